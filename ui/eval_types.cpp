#include "ui/eval_types.h"

#include <QFileInfo>

QString EvalSetInfo::spec() const {
    return QStringLiteral("%1@v%2").arg(name).arg(version);
}

QString EvalTargetInfo::displayName() const {
    const QString file = QFileInfo(modelPath).fileName();
    const QString missing = fileExists ? QString() : QStringLiteral(" \u2014 file missing");
    if (isOriginal())
        return QStringLiteral("%1 (original weights)%2").arg(file, missing);
    return QStringLiteral("%1 \u2014 %2%3").arg(label, file, missing);
}

namespace {

int findIndex(const QList<EvalTargetInfo>& targets, const auto& wanted) {
    for (int i = 0; i < targets.size(); ++i)
        if (wanted(targets[i]))
            return i;
    return -1;
}

} // namespace

int defaultBaselineIndex(const QList<EvalTargetInfo>& targets, int variant) {
    if (variant < 0 || variant >= targets.size())
        return -1;
    const EvalTargetInfo& v = targets[variant];
    const auto sameModel = [&v](const EvalTargetInfo& t) {
        return v.modelId != 0 ? t.modelId == v.modelId : t.modelPath == v.modelPath;
    };
    const int original = findIndex(targets, [&](const EvalTargetInfo& t) {
        return sameModel(t) && t.isOriginal() && t.fileExists;
    });
    if (original >= 0)
        return original;
    const int f16 = findIndex(targets, [&](const EvalTargetInfo& t) {
        return sameModel(t) && t.format.compare(QLatin1String("f16"), Qt::CaseInsensitive) == 0;
    });
    return f16 >= 0 ? f16 : variant;
}
