#include "engine/model/metadata.h"

#include <cstdio>
#include <limits>

namespace ql {

MetaValue MetaValue::ofUint(GgufType t, uint64_t v) {
    MetaValue m;
    m.type = t;
    m.value = v;
    return m;
}

MetaValue MetaValue::ofInt(GgufType t, int64_t v) {
    MetaValue m;
    m.type = t;
    m.value = v;
    return m;
}

MetaValue MetaValue::ofFloat(GgufType t, double v) {
    MetaValue m;
    m.type = t;
    m.value = v;
    return m;
}

MetaValue MetaValue::ofBool(bool v) {
    MetaValue m;
    m.type = GgufType::Bool;
    m.value = v;
    return m;
}

MetaValue MetaValue::ofString(std::string v) {
    MetaValue m;
    m.type = GgufType::String;
    m.value = std::move(v);
    return m;
}

MetaValue MetaValue::ofArray(GgufType elementType, std::vector<MetaValue> items) {
    MetaValue m;
    m.type = GgufType::Array;
    m.arrayType = elementType;
    m.value = std::move(items);
    return m;
}

std::optional<int64_t> MetaValue::asInt() const {
    if (const auto* u = std::get_if<uint64_t>(&value)) {
        if (*u > uint64_t(std::numeric_limits<int64_t>::max()))
            return std::nullopt;
        return int64_t(*u);
    }
    if (const auto* i = std::get_if<int64_t>(&value))
        return *i;
    return std::nullopt;
}

std::optional<double> MetaValue::asDouble() const {
    if (const auto* d = std::get_if<double>(&value))
        return *d;
    if (const auto* u = std::get_if<uint64_t>(&value))
        return double(*u);
    if (const auto* i = std::get_if<int64_t>(&value))
        return double(*i);
    return std::nullopt;
}

const std::string* MetaValue::asString() const {
    return std::get_if<std::string>(&value);
}

const std::vector<MetaValue>* MetaValue::asArray() const {
    return std::get_if<std::vector<MetaValue>>(&value);
}

namespace {

std::string formatDouble(double d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", d);
    return buf;
}

} // namespace

std::string MetaValue::toDisplayString(size_t maxArrayItems) const {
    if (const auto* u = std::get_if<uint64_t>(&value))
        return std::to_string(*u);
    if (const auto* i = std::get_if<int64_t>(&value))
        return std::to_string(*i);
    if (const auto* d = std::get_if<double>(&value))
        return formatDouble(*d);
    if (const auto* b = std::get_if<bool>(&value))
        return *b ? "true" : "false";
    if (const auto* s = std::get_if<std::string>(&value))
        return *s;
    const auto& items = std::get<std::vector<MetaValue>>(value);
    std::string out = "[";
    for (size_t i = 0; i < items.size() && i < maxArrayItems; ++i) {
        if (i > 0)
            out += ", ";
        const bool quote = items[i].type == GgufType::String;
        out += quote ? "\"" + items[i].toDisplayString(maxArrayItems) + "\""
                     : items[i].toDisplayString(maxArrayItems);
    }
    if (items.size() > maxArrayItems)
        out += ", ... (" + std::to_string(items.size()) + " items)";
    return out + "]";
}

const char* ggufTypeName(GgufType t) {
    switch (t) {
    case GgufType::Uint8:
        return "uint8";
    case GgufType::Int8:
        return "int8";
    case GgufType::Uint16:
        return "uint16";
    case GgufType::Int16:
        return "int16";
    case GgufType::Uint32:
        return "uint32";
    case GgufType::Int32:
        return "int32";
    case GgufType::Float32:
        return "float32";
    case GgufType::Bool:
        return "bool";
    case GgufType::String:
        return "string";
    case GgufType::Array:
        return "array";
    case GgufType::Uint64:
        return "uint64";
    case GgufType::Int64:
        return "int64";
    case GgufType::Float64:
        return "float64";
    }
    return "unknown";
}

} // namespace ql
