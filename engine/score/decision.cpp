#include "engine/score/decision.h"

#include "engine/core/error.h"

#include <sstream>

namespace ql::score {

FlaggedVariant parseFlagged(const std::string& text) {
    // The variant may itself contain ':' ("org/model:int4"); surfaces follow the last one.
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
        throw Error("--flagged '" + text + "': expected VARIANT:surface1,surface2");
    FlaggedVariant f{text.substr(0, colon), {}};
    std::istringstream in(text.substr(colon + 1));
    for (std::string s; std::getline(in, s, ',');)
        if (!s.empty())
            f.surfaces.push_back(s);
    if (f.surfaces.empty())
        throw Error("--flagged '" + text + "': name at least one surface");
    return f;
}

} // namespace ql::score
