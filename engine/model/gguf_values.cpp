#include "engine/model/gguf_values.h"

#include "engine/core/error.h"

namespace ql {

bool isValidGgufType(uint32_t id) {
    return id <= uint32_t(GgufType::Float64);
}

uint64_t ggufMinValueBytes(GgufType type) {
    switch (type) {
    case GgufType::Uint8:
    case GgufType::Int8:
    case GgufType::Bool:
        return 1;
    case GgufType::Uint16:
    case GgufType::Int16:
        return 2;
    case GgufType::Uint32:
    case GgufType::Int32:
    case GgufType::Float32:
        return 4;
    case GgufType::Uint64:
    case GgufType::Int64:
    case GgufType::Float64:
    case GgufType::String:
        return 8; // a string's length field
    case GgufType::Array:
        return 12; // element type + count
    }
    return 1;
}

namespace {

bool stringFits(const ByteReader& in) {
    if (in.remaining() < 8)
        return false;
    return in.peek<uint64_t>() <= in.remaining() - 8;
}

MetaValue readArray(ByteReader& in, const std::string& what, GgufItemBudget& budget, int depth) {
    const uint64_t start = in.offset();
    if (depth >= kGgufMaxArrayDepth)
        in.failAt(start, what + ": arrays nested deeper than " +
                             std::to_string(kGgufMaxArrayDepth) + " levels");
    const auto elemId = in.read<uint32_t>(what + " (array element type)");
    if (!isValidGgufType(elemId))
        in.failAt(start, what + ": unknown array element type " + std::to_string(elemId));
    const auto elemType = GgufType(elemId);
    const auto count = in.read<uint64_t>(what + " (array count)");
    if (count > in.remaining() / ggufMinValueBytes(elemType))
        in.failAt(start, what + ": array of " + groupDigits(count) + " " + ggufTypeName(elemType) +
                             " values cannot fit in the " + groupDigits(in.remaining()) +
                             " bytes left in the file");
    if (count > kGgufMaxArrayItems)
        in.failAt(start, what + ": array of " + groupDigits(count) +
                             " items is larger than Quantlens accepts (" +
                             groupDigits(kGgufMaxArrayItems) + ")");
    if (count > budget.limit - budget.spent)
        in.failAt(start, what + ": array of " + groupDigits(count) + " items would bring the " +
                             "file's metadata arrays to " + groupDigits(budget.spent + count) +
                             " items, more than Quantlens accepts in one file (" +
                             groupDigits(budget.limit) + ")");
    budget.spent += count;
    std::vector<MetaValue> items;
    items.reserve(size_t(count));
    for (uint64_t i = 0; i < count; ++i) {
        // The per-item label is built only where a read could fail: fixed-size items are
        // covered by the count check above, and most strings fit.
        if (elemType == GgufType::Array || (elemType == GgufType::String && !stringFits(in)))
            items.push_back(readGgufValue(in, elemType, what + "[" + std::to_string(i) + "]",
                                          budget, depth + 1));
        else
            items.push_back(readGgufValue(in, elemType, what, budget, depth + 1));
    }
    return MetaValue::ofArray(elemType, std::move(items));
}

} // namespace

MetaValue readGgufValue(ByteReader& in, GgufType type, const std::string& what,
                        GgufItemBudget& budget, int depth) {
    switch (type) {
    case GgufType::Uint8:
        return MetaValue::ofUint(type, in.read<uint8_t>(what));
    case GgufType::Int8:
        return MetaValue::ofInt(type, in.read<int8_t>(what));
    case GgufType::Uint16:
        return MetaValue::ofUint(type, in.read<uint16_t>(what));
    case GgufType::Int16:
        return MetaValue::ofInt(type, in.read<int16_t>(what));
    case GgufType::Uint32:
        return MetaValue::ofUint(type, in.read<uint32_t>(what));
    case GgufType::Int32:
        return MetaValue::ofInt(type, in.read<int32_t>(what));
    case GgufType::Uint64:
        return MetaValue::ofUint(type, in.read<uint64_t>(what));
    case GgufType::Int64:
        return MetaValue::ofInt(type, in.read<int64_t>(what));
    case GgufType::Float32:
        return MetaValue::ofFloat(type, in.read<float>(what));
    case GgufType::Float64:
        return MetaValue::ofFloat(type, in.read<double>(what));
    case GgufType::Bool:
        return MetaValue::ofBool(in.read<uint8_t>(what) != 0);
    case GgufType::String:
        return MetaValue::ofString(in.readString(what));
    case GgufType::Array:
        return readArray(in, what, budget, depth);
    }
    in.fail(what + ": unknown value type " + std::to_string(uint32_t(type)));
}

} // namespace ql
