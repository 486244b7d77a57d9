// TensorTableModel: a well-behaved item model whose numbers sort as numbers.
#include "ui/tensor_table_model.h"

#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>
#include <QTest>

namespace {

TensorRow row(const QString& name, QList<qint64> shape, quint64 bytes) {
    qint64 n = 1;
    for (qint64 d : shape)
        n *= d;
    return {name, shape, QStringLiteral("F32"), n, bytes};
}

QList<TensorRow> sampleRows() {
    // Sizes chosen so that text order and numeric order differ (9 B < 100 B < 2 KiB).
    return {row("blk.0.attn_q.weight", {64, 64}, 2048), row("output_norm.weight", {64}, 9),
            row("token_embd.weight", {512, 64}, 1u << 20), row("blk.0.ffn_up.weight", {25}, 100)};
}

} // namespace

class TensorTableModelTest : public QObject {
    Q_OBJECT
private slots:
    void passesTheModelTester() {
        TensorTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.setTensors(sampleRows());
        model.setTensors({});
        model.setTensors(sampleRows());
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.columnCount(), int(TensorTableModel::ColumnCount));
    }

    void proxyPassesTheModelTesterWhileSorting() {
        TensorTableModel model;
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(TensorTableModel::SortRole);
        QAbstractItemModelTester tester(&proxy,
                                        QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.setTensors(sampleRows());
        proxy.sort(TensorTableModel::Bytes);
        proxy.setFilterFixedString("blk");
        QCOMPARE(proxy.rowCount(), 2);
    }

    void showsBytesForPeople() {
        TensorTableModel model;
        model.setTensors(sampleRows());
        QCOMPARE(model.index(0, TensorTableModel::Bytes).data().toString(), QString("2.00 KiB"));
        QCOMPARE(model.index(2, TensorTableModel::Bytes).data().toString(), QString("1.00 MiB"));
        QCOMPARE(model.index(1, TensorTableModel::Bytes).data().toString(), QString("9 B"));
        QCOMPARE(model.index(2, TensorTableModel::Parameters).data().toString(), QString("32 768"));
        QCOMPARE(model.index(0, TensorTableModel::Shape).data().toString(),
                 QString("64 \u00d7 64"));
        QCOMPARE(model.headerData(TensorTableModel::Bytes, Qt::Horizontal).toString(),
                 QString("Bytes"));
    }

    void sortsBytesByValueNotByText() {
        TensorTableModel model;
        model.setTensors(sampleRows());
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(TensorTableModel::SortRole);
        proxy.sort(TensorTableModel::Bytes, Qt::AscendingOrder);
        QStringList order;
        for (int r = 0; r < proxy.rowCount(); ++r)
            order << proxy.index(r, TensorTableModel::Name).data().toString();
        QCOMPARE(order, QStringList({"output_norm.weight", "blk.0.ffn_up.weight",
                                     "blk.0.attn_q.weight", "token_embd.weight"}));
    }

    void sortsParametersNumerically() {
        TensorTableModel model;
        model.setTensors(sampleRows());
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(TensorTableModel::SortRole);
        proxy.sort(TensorTableModel::Parameters, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, 0).data().toString(), QString("token_embd.weight"));
        QCOMPARE(proxy.index(3, 0).data().toString(), QString("blk.0.ffn_up.weight"));
    }
};

QTEST_MAIN(TensorTableModelTest)
#include "tensor_table_model_test.moc"
