#include "engine/model/json_util.h"

#include "engine/core/error.h"
#include "engine/core/mapped_file.h"

namespace ql {

namespace {

// Real headers, configs and results nest a handful of levels.
constexpr int kMaxJsonNesting = 100;

} // namespace

// Brackets inside strings do not count.
void checkJsonNesting(std::string_view text, const std::string& label, uint64_t base,
                      const std::string& what) {
    int depth = 0;
    bool inString = false, escaped = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if ((c == '[' || c == '{') && ++depth > kMaxJsonNesting) {
            throw Error(label + ": " + what + " nests arrays or objects deeper than " +
                        std::to_string(kMaxJsonNesting) + " levels (at byte " +
                        groupDigits(base + i) + ")");
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
}

nlohmann::json parseJson(std::span<const std::byte> bytes, const std::string& label, uint64_t base,
                         const std::string& what) {
    const char* begin = reinterpret_cast<const char*>(bytes.data());
    checkJsonNesting(std::string_view(begin, bytes.size()), label, base, what);
    try {
        return nlohmann::json::parse(begin, begin + bytes.size());
    } catch (const nlohmann::json::parse_error& e) {
        // e.byte counts from 1 and points just past the offending character.
        const uint64_t at = base + (e.byte > 0 ? uint64_t(e.byte) - 1 : 0);
        throw Error(label + ": " + what + " is not valid JSON (at byte " + groupDigits(at) +
                    "): " + e.what());
    }
}

nlohmann::json parseJsonFile(const std::filesystem::path& path) {
    const MappedFile file(path);
    return parseJson(file.bytes(), path.filename().string(), 0, "the file");
}

namespace {

// Deeper structures are kept as their JSON text: a hostile file must not be able to
// exhaust the stack through recursion.
constexpr int kMaxJsonDepth = 16;

MetaValue toMetaValue(const nlohmann::json& v, int depth) {
    if (v.is_boolean())
        return MetaValue::ofBool(v.get<bool>());
    if (v.is_number_unsigned())
        return MetaValue::ofUint(GgufType::Uint64, v.get<uint64_t>());
    if (v.is_number_integer())
        return MetaValue::ofInt(GgufType::Int64, v.get<int64_t>());
    if (v.is_number_float())
        return MetaValue::ofFloat(GgufType::Float64, v.get<double>());
    if (v.is_string())
        return MetaValue::ofString(v.get<std::string>());
    if (v.is_array() && depth < kMaxJsonDepth) {
        std::vector<MetaValue> items;
        for (const auto& item : v)
            items.push_back(toMetaValue(item, depth + 1));
        const GgufType elem = items.empty() ? GgufType::Uint8 : items.front().type;
        return MetaValue::ofArray(elem, std::move(items));
    }
    return MetaValue::ofString(v.dump()); // null, or an object inside an array
}

} // namespace

namespace {

void addJson(Metadata& meta, const std::string& key, const nlohmann::json& value, int depth) {
    if (value.is_object() && depth < kMaxJsonDepth) {
        for (const auto& [child, v] : value.items())
            addJson(meta, key + "." + child, v, depth + 1);
        return;
    }
    meta[key] = toMetaValue(value, depth);
}

} // namespace

void addJsonMetadata(Metadata& meta, const std::string& key, const nlohmann::json& value) {
    addJson(meta, key, value, 0);
}

} // namespace ql
