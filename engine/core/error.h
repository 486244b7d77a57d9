#pragma once
// Errors are values the user can read: every message names the file, the field or
// tensor, and the byte offset where that is known.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace ql {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Raised when a job notices its cancellation flag; never shown to the user as a failure.
class Cancelled : public std::runtime_error {
public:
    Cancelled()
        : std::runtime_error("cancelled") {}
};

// "12 345 678": byte offsets and sizes in messages, grouped for people.
std::string groupDigits(uint64_t value);

} // namespace ql
