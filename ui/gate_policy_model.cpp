#include "ui/gate_policy_model.h"

#include <QJsonArray>

namespace {

struct Limit {
    std::optional<double> absolute, relative;
};

Limit readLimit(const QJsonValue& v) {
    if (v.isDouble())
        return {v.toDouble(), std::nullopt};
    const QJsonObject o = v.toObject();
    Limit l;
    if (o.contains(QLatin1String("absolute")))
        l.absolute = o.value(QLatin1String("absolute")).toDouble();
    if (o.contains(QLatin1String("relative")))
        l.relative = o.value(QLatin1String("relative")).toDouble();
    return l;
}

QJsonObject writeLimit(const std::optional<double>& absolute,
                       const std::optional<double>& relative) {
    QJsonObject o;
    if (absolute)
        o.insert(QLatin1String("absolute"), *absolute);
    if (relative)
        o.insert(QLatin1String("relative"), *relative);
    return o;
}

QStringList names(const QJsonValue& v) {
    QStringList out;
    for (const auto& s : v.toArray())
        out << s.toString();
    return out;
}

// Names the policy mentions that the scorecard does not have stay in the editor too.
QStringList unite(QStringList a, const QStringList& b) {
    for (const auto& s : b)
        if (!a.contains(s))
            a << s;
    return a;
}

} // namespace

void GatePolicyModel::setPolicy(const QJsonObject& policy, const QStringList& dimensions,
                                const QStringList& slices) {
    beginResetModel();
    m_rest = policy;
    const QJsonObject dimLimits = policy.value(QLatin1String("dimensions")).toObject();
    const QJsonObject sliceLimits = policy.value(QLatin1String("slices")).toObject();
    const QStringList critical = names(policy.value(QLatin1String("critical_slices")));
    const QStringList required = names(policy.value(QLatin1String("required_slices")));
    for (const char* key : {"max_regression", "slices", "critical_slices", "required_slices"})
        m_rest.remove(QLatin1String(key));
    if (policy.value(QLatin1String("dimensions")).isObject())
        m_rest.remove(QLatin1String("dimensions"));
    m_rows.clear();
    const Limit def = readLimit(policy.value(QLatin1String("max_regression")));
    m_rows.append({Kind::Default, tr("every cell"), def.absolute, def.relative, false, false});
    for (const auto& d : unite(dimensions, dimLimits.keys())) {
        const Limit l = readLimit(dimLimits.value(d));
        m_rows.append({Kind::Dimension, d, l.absolute, l.relative, false, false});
    }
    for (const auto& s : unite(unite(unite(slices, sliceLimits.keys()), critical), required)) {
        const Limit l = readLimit(sliceLimits.value(s));
        m_rows.append(
            {Kind::Slice, s, l.absolute, l.relative, critical.contains(s), required.contains(s)});
    }
    endResetModel();
}

QJsonObject GatePolicyModel::policy() const {
    QJsonObject out = m_rest, dims, slices;
    QJsonArray critical, required;
    for (const Row& r : m_rows) {
        const bool any = r.absolute || r.relative;
        if (r.kind == Kind::Default && any)
            out.insert(QLatin1String("max_regression"), writeLimit(r.absolute, r.relative));
        if (r.kind == Kind::Dimension && any)
            dims.insert(r.name, writeLimit(r.absolute, r.relative));
        if (r.kind == Kind::Slice && any)
            slices.insert(r.name, writeLimit(r.absolute, r.relative));
        if (r.kind == Kind::Slice && r.critical)
            critical.append(r.name);
        if (r.kind == Kind::Slice && r.required)
            required.append(r.name);
    }
    if (!dims.isEmpty())
        out.insert(QLatin1String("dimensions"), dims);
    if (!slices.isEmpty())
        out.insert(QLatin1String("slices"), slices);
    if (!critical.isEmpty())
        out.insert(QLatin1String("critical_slices"), critical);
    if (!required.isEmpty())
        out.insert(QLatin1String("required_slices"), required);
    return out;
}

int GatePolicyModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int GatePolicyModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant GatePolicyModel::display(const Row& r, int column) const {
    switch (column) {
    case Scope:
        return r.kind == Kind::Default     ? tr("default")
               : r.kind == Kind::Dimension ? tr("dimension")
                                           : tr("slice");
    case Name:
        return r.name;
    case Absolute:
        return r.absolute ? QVariant(QString::number(*r.absolute)) : QVariant(QString());
    case Relative:
        return r.relative ? QVariant(QString::number(*r.relative * 100.0)) : QVariant(QString());
    default:
        return {};
    }
}

QVariant GatePolicyModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= m_rows.size() || index.column() >= ColumnCount)
        return {};
    const Row& r = m_rows[index.row()];
    const bool checkColumn = index.column() == Critical || index.column() == Required;
    if (role == Qt::CheckStateRole && checkColumn && r.kind == Kind::Slice)
        return (index.column() == Critical ? r.critical : r.required) ? Qt::Checked : Qt::Unchecked;
    if (role == Qt::DisplayRole || role == Qt::EditRole)
        return display(r, index.column());
    if (role == Qt::ToolTipRole && index.column() == Relative)
        return tr("Percent of the baseline's score; with an absolute limit too, the tighter one "
                  "applies");
    if (role == Qt::ToolTipRole && index.column() == Critical)
        return tr("A regression beyond the limit fails here even when it is not significant");
    return {};
}

bool GatePolicyModel::setLimit(std::optional<double>& limit, const QVariant& value, double scale) {
    const QString text = value.toString().trimmed();
    if (text.isEmpty()) {
        limit.reset();
        return true;
    }
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (!ok || v < 0)
        return false; // a limit is a non-negative regression
    limit = v / scale;
    return true;
}

bool GatePolicyModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!index.isValid() || index.row() >= m_rows.size())
        return false;
    Row& r = m_rows[index.row()];
    bool ok = false;
    if (role == Qt::EditRole && index.column() == Absolute)
        ok = setLimit(r.absolute, value, 1.0);
    else if (role == Qt::EditRole && index.column() == Relative)
        ok = setLimit(r.relative, value, 100.0);
    else if (role == Qt::CheckStateRole && r.kind == Kind::Slice &&
             (index.column() == Critical || index.column() == Required)) {
        const bool on = value.toInt() == Qt::Checked;
        (index.column() == Critical ? r.critical : r.required) = on;
        ok = true;
    }
    if (ok)
        emit dataChanged(index, index, {role, Qt::DisplayRole});
    return ok;
}

Qt::ItemFlags GatePolicyModel::flags(const QModelIndex& index) const {
    if (!index.isValid())
        return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (index.column() == Absolute || index.column() == Relative)
        f |= Qt::ItemIsEditable;
    if ((index.column() == Critical || index.column() == Required) &&
        m_rows[index.row()].kind == Kind::Slice)
        f |= Qt::ItemIsUserCheckable;
    return f;
}

QVariant GatePolicyModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Scope:
        return tr("Scope");
    case Name:
        return tr("Name");
    case Absolute:
        return tr("Max regression");
    case Relative:
        return tr("Max regression (% of baseline)");
    case Critical:
        return tr("Critical");
    case Required:
        return tr("Required");
    default:
        return {};
    }
}
