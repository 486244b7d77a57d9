#include "engine/score/gate_limit.h"

#include <algorithm>
#include <cmath>

namespace ql::score {

std::optional<double> gateLimit(const GatePolicy& p, const std::string& dimension,
                                const std::string& slice, double baselineScore) {
    Threshold t = p.maxRegression;
    if (const auto s = p.sliceLimits.find(slice); s != p.sliceLimits.end())
        t = s->second;
    else if (const auto d = p.dimensionLimits.find(dimension); d != p.dimensionLimits.end())
        t = d->second;
    const bool critical = std::find(p.criticalSlices.begin(), p.criticalSlices.end(), slice) !=
                          p.criticalSlices.end();
    if (!t.any())
        return critical ? std::optional<double>(0.0) : std::nullopt;
    std::optional<double> out = t.absolute;
    if (t.relative) {
        const double rel = *t.relative * std::fabs(baselineScore);
        out = out ? std::min(*out, rel) : rel;
    }
    return out;
}

} // namespace ql::score
