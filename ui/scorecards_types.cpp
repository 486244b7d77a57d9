#include "ui/scorecards_types.h"

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
