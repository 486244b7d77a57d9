#pragma once
// Key/value metadata of a model: GGUF KV pairs (every GGUF value type, arrays
// included) or, for safetensors, the header's __metadata__ and config.json fields.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ql {

// GGUF value type ids (gguf.h: GGUF_TYPE_*).
enum class GgufType : uint32_t {
    Uint8 = 0,
    Int8 = 1,
    Uint16 = 2,
    Int16 = 3,
    Uint32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    Uint64 = 10,
    Int64 = 11,
    Float64 = 12,
};

struct MetaValue {
    GgufType type = GgufType::Uint32;
    // Integers of every width widen to int64/uint64, floats to double.
    std::variant<uint64_t, int64_t, double, bool, std::string, std::vector<MetaValue>> value;
    // For arrays only: the declared element type, kept so that an empty array (which
    // has no element to ask) round-trips through a writer unchanged.
    GgufType arrayType = GgufType::Uint8;

    // Builders that pick the variant member matching the GGUF type.
    static MetaValue ofUint(GgufType t, uint64_t v); // Uint8/16/32/64
    static MetaValue ofInt(GgufType t, int64_t v);   // Int8/16/32/64
    static MetaValue ofFloat(GgufType t, double v);  // Float32/64
    static MetaValue ofBool(bool v);
    static MetaValue ofString(std::string v);
    static MetaValue ofArray(GgufType elementType, std::vector<MetaValue> items);

    std::optional<int64_t> asInt() const;
    std::optional<double> asDouble() const;
    const std::string* asString() const;
    const std::vector<MetaValue>* asArray() const;
    std::string toDisplayString(size_t maxArrayItems = 8) const;

    // Same type, same value (and for arrays the same element type and items).
    bool operator==(const MetaValue&) const = default;
};

using Metadata = std::map<std::string, MetaValue>;

const char* ggufTypeName(GgufType t);

} // namespace ql
