#include "ui/scorecards_types.h"

#include <QDir>
#include <QFileInfo>
#include <QObject>

const ScoreCellData* ScorecardData::find(const QString& variant, const QString& dimension,
                                         const QString& slice) const {
    for (const auto& c : cells)
        if (c.variant == variant && c.dimension == dimension && c.slice == slice)
            return &c;
    return nullptr;
}

const GateReasonData* GateRunData::reason(const QString& variant, const QString& dimension,
                                          const QString& slice) const {
    for (const auto& v : verdicts)
        if (v.variant == variant)
            for (const auto& r : v.reasons)
                if (r.dimension == dimension && r.slice == slice)
                    return &r;
    return nullptr;
}

const ScorecardData* ScoreViewData::scorecard(qint64 id) const {
    for (const auto& s : scorecards)
        if (s.id == id)
            return &s;
    return nullptr;
}

const GateRunData* ScoreViewData::gate(qint64 scorecardId) const {
    for (const auto& g : gates)
        if (g.scorecardId == scorecardId)
            return &g;
    return nullptr;
}

QString flaggedText(const FlaggedList& flagged) {
    QStringList parts;
    for (const auto& [variant, surfaces] : flagged)
        parts << variant + QStringLiteral(": ") + surfaces.join(QStringLiteral(", "));
    return parts.join(QStringLiteral("; "));
}

QString sliceLabel(const ScoreCellData& cell) {
    return cell.reportedAggregate ? cell.slice + QObject::tr(" (reported average)") : cell.slice;
}

QString sourceFileName(const QString& sourcePath) {
    if (sourcePath.isEmpty())
        return QObject::tr("(none recorded)");
    const QString name = QFileInfo(sourcePath).fileName();
    return name.isEmpty() ? sourcePath : name;
}

QString sourcePathTip(const QString& sourcePath) {
    if (sourcePath.isEmpty())
        return {};
    const QFileInfo info(sourcePath);
    const QString absolute = QDir::toNativeSeparators(QDir::cleanPath(info.absoluteFilePath()));
    if (!info.isRelative() || info.exists())
        return absolute;
    // A relative path recorded by a command run elsewhere: say so instead of guessing.
    return QObject::tr("%1\n(recorded relative to the folder it was imported from; not found "
                       "from here)")
        .arg(QDir::toNativeSeparators(sourcePath));
}
