#include "engine/core/error.h"

namespace ql {

std::string groupDigits(uint64_t value) {
    // Filled from the right into a fixed buffer: 20 digits and 6 separators at most.
    char buf[32];
    char* p = buf + sizeof buf;
    int digits = 0;
    do {
        if (digits > 0 && digits % 3 == 0)
            *--p = ' ';
        *--p = char('0' + value % 10);
        value /= 10;
        ++digits;
    } while (value != 0);
    return std::string(p, buf + sizeof buf);
}

} // namespace ql
