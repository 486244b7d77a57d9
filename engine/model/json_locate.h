#pragma once
// Where a value of a parsed JSON document starts in the document's text. nlohmann::json 3.11
// records no positions, so a reader that finds a bad value throws JsonValueError naming the
// value's path, and the code that still holds the text looks the path up there: the scan
// happens only when there is an error to report.
#include "engine/core/error.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ql {

// A key of an object (as nlohmann holds it: escapes decoded, UTF-8) or an index into an array.
using JsonStep = std::variant<std::string, size_t>;
using JsonPath = std::vector<JsonStep>;

// Byte offset (from 0) in `text` of the first byte of the value at `path`; nullopt when the
// text holds no such value or is not JSON where the path leads. Where an object repeats a
// key, the last one counts, as in nlohmann::json. Iterative: any depth costs no stack.
std::optional<uint64_t> locateJsonValue(std::string_view text, const JsonPath& path);

// A ql::Error about the value at path() of a parsed document. Its message names the file
// and the field; the code holding the document's text adds the offset (atJsonValue).
class JsonValueError : public Error {
public:
    JsonValueError(const std::string& message, JsonPath path)
        : Error(message)
        , m_path(std::move(path)) {}
    const JsonPath& path() const { return m_path; }

private:
    JsonPath m_path;
};

// `path` with one more step.
JsonPath jsonChild(JsonPath path, JsonStep step);

// The bytes of a mapped file as the text it was parsed from.
inline std::string_view asText(std::span<const std::byte> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// e's message + " (at byte N)", N = base + where the value starts in `text` (the text the
// document was parsed from, which starts at byte `base` of its file); e's message alone
// when the text does not hold the path.
Error atJsonValue(const JsonValueError& e, std::string_view text, uint64_t base = 0);

} // namespace ql
