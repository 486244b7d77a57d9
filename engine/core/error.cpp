#include "engine/core/error.h"

namespace ql {

std::string groupDigits(uint64_t value) {
    std::string digits = std::to_string(value);
    std::string out;
    const size_t n = digits.size();
    for (size_t i = 0; i < n; ++i) {
        if (i > 0 && (n - i) % 3 == 0)
            out += ' ';
        out += digits[i];
    }
    return out;
}

} // namespace ql
