#include "engine/eval/example_windows.h"

#include "engine/core/error.h"

#include <algorithm>
#include <string>

namespace ql {

std::vector<ExampleWindow> planExampleWindows(int64_t nTokens, const EvalSettings& s) {
    if (s.nCtx < 4)
        throw Error("context size " + std::to_string(s.nCtx) + " is too small");
    const bool document = s.scoring == ExampleScoring::Document;
    std::vector<ExampleWindow> out;
    for (int64_t begin = 0; begin < nTokens; begin += s.nCtx) {
        const int64_t length = std::min(s.nCtx, nTokens - begin);
        if (!document && length < s.nCtx)
            break;
        const ExampleWindow w{begin, length, document && begin == 0 ? 0 : s.nCtx / 2};
        if (w.scored() > 0)
            out.push_back(w);
    }
    return out;
}

} // namespace ql
