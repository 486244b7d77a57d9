#include "ui/engine_values.h"

#include "engine/model/model.h"
#include "engine/store/workspace.h"

#include <QJsonDocument>
#include <QJsonObject>

std::filesystem::path toPath(const QString& path) {
    return std::filesystem::path(path.toStdU16String());
}

QString fromPath(const std::filesystem::path& path) {
    const std::u8string utf8 = path.u8string();
    return QString::fromUtf8(reinterpret_cast<const char*>(utf8.data()), qsizetype(utf8.size()));
}

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

TensorRow toRow(const ql::TensorInfo& t) {
    TensorRow row;
    row.name = qs(t.name);
    row.shape = QList<qint64>(t.shape.begin(), t.shape.end());
    row.dtype = QString::fromLatin1(ql::dtypeInfo(t.dtype).name.data(),
                                    qsizetype(ql::dtypeInfo(t.dtype).name.size()));
    row.parameters = t.elements();
    row.bytes = t.nbytes;
    return row;
}

// The importance matrix a variant was made with ("imatrix") or only weighed by
// ("weighed_by"): "file" of that object in the parameters the quantize job records
// (quantize_job.cpp), or "".
QString importanceFileOf(const std::string& parameters, const char* key) {
    const QJsonObject json =
        QJsonDocument::fromJson(QByteArray::fromStdString(parameters)).object();
    return json.value(key).toObject().value("file").toString();
}

} // namespace

ModelSummary summarizeModel(const ql::Model& model) {
    const ql::ModelConfig& c = model.config();
    ModelSummary s;
    s.path = fromPath(model.path());
    s.format = QString::fromLatin1(ql::modelFormatName(model.format()));
    s.architecture = qs(c.architecture);
    s.name = qs(c.name);
    s.layers = c.nLayer;
    s.heads = c.nHead;
    s.kvHeads = c.nHeadKv;
    s.headDim = c.headDim;
    s.embedding = c.nEmbd;
    s.feedForward = c.nFf;
    s.context = c.contextLength;
    s.vocab = c.vocabSize;
    s.parameters = model.parameterCount();
    s.fileBytes = model.fileBytes();
    for (const ql::TensorInfo& t : model.tensors())
        s.tensors.append(toRow(t));
    return s;
}

VariantErrors toVariantErrors(const ql::VariantRecord& variant,
                              const std::vector<ql::TensorMetricsRecord>& metrics) {
    VariantErrors v;
    v.id = variant.id;
    v.format = qs(variant.format);
    v.method = qs(variant.method);
    v.backend = qs(variant.backend);
    v.imatrix = importanceFileOf(variant.parameters, "imatrix");
    v.weighedBy = importanceFileOf(variant.parameters, "weighed_by");
    v.createdAt = qs(variant.createdAt);
    v.totalBytes = variant.totalBytes;
    v.totalWeights = variant.totalWeights;
    v.tensors.reserve(metrics.size());
    for (const ql::TensorMetricsRecord& m : metrics) {
        v.tensors.push_back({m.tensor, m.rows * m.cols, m.metrics.rmse, m.metrics.relFrobenius,
                             m.metrics.snrDb, m.metrics.cosine, m.metrics.bytes, m.weightedRmse});
    }
    return v;
}
