#include "engine/model/gguf_writer.h"

#include "engine/core/error.h"
#include "engine/core/half.h"
#include "engine/model/gguf_reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace ql {
namespace {

class Out {
public:
    template <typename T> void put(T v) {
        const auto* p = reinterpret_cast<const std::byte*>(&v);
        m_bytes.insert(m_bytes.end(), p, p + sizeof(T)); // host is little-endian
    }
    void putString(const std::string& s) {
        put<uint64_t>(s.size());
        const auto* p = reinterpret_cast<const std::byte*>(s.data());
        m_bytes.insert(m_bytes.end(), p, p + s.size());
    }
    void putBytes(const std::vector<std::byte>& b) {
        m_bytes.insert(m_bytes.end(), b.begin(), b.end());
    }
    void padTo(uint64_t alignment) {
        while (m_bytes.size() % alignment != 0)
            m_bytes.push_back(std::byte{0});
    }
    std::vector<std::byte> take() { return std::move(m_bytes); }

private:
    std::vector<std::byte> m_bytes;
};

// Integers are stored widened; this recovers the bits for any declared width.
uint64_t intBits(const MetaValue& v) {
    if (const auto* u = std::get_if<uint64_t>(&v.value))
        return *u;
    if (const auto* i = std::get_if<int64_t>(&v.value))
        return uint64_t(*i);
    if (const auto* b = std::get_if<bool>(&v.value))
        return *b ? 1 : 0;
    throw std::invalid_argument("GgufWriter: integer metadata holds no integer");
}

void putValue(Out& out, const MetaValue& v);

void putArray(Out& out, const MetaValue& v) {
    const auto* items = v.asArray();
    if (!items)
        throw std::invalid_argument("GgufWriter: array metadata holds no array");
    out.put<uint32_t>(uint32_t(v.arrayType));
    out.put<uint64_t>(items->size());
    for (const auto& item : *items) {
        if (item.type != v.arrayType)
            throw std::invalid_argument("GgufWriter: array items must share one type");
        putValue(out, item);
    }
}

void putValue(Out& out, const MetaValue& v) {
    switch (v.type) {
    case GgufType::Uint8:
    case GgufType::Int8:
        out.put<uint8_t>(uint8_t(intBits(v)));
        return;
    case GgufType::Uint16:
    case GgufType::Int16:
        out.put<uint16_t>(uint16_t(intBits(v)));
        return;
    case GgufType::Uint32:
    case GgufType::Int32:
        out.put<uint32_t>(uint32_t(intBits(v)));
        return;
    case GgufType::Uint64:
    case GgufType::Int64:
        out.put<uint64_t>(intBits(v));
        return;
    case GgufType::Bool:
        out.put<uint8_t>(intBits(v) ? 1 : 0);
        return;
    case GgufType::Float32:
        out.put<float>(float(v.asDouble().value_or(0.0)));
        return;
    case GgufType::Float64:
        out.put<double>(v.asDouble().value_or(0.0));
        return;
    case GgufType::String:
        out.putString(v.asString() ? *v.asString() : std::string());
        return;
    case GgufType::Array:
        putArray(out, v);
        return;
    }
    throw std::invalid_argument("GgufWriter: unknown metadata type");
}

// ggml's quantize_row_q8_0_ref: scale = absmax/127 stored as fp16, codes roundf(x/scale).
void encodeQ8_0(std::span<const float> x, std::vector<std::byte>& out) {
    constexpr int qk = 32;
    for (size_t i = 0; i < x.size() / qk; ++i) {
        float amax = 0.0f;
        for (int j = 0; j < qk; ++j)
            amax = std::max(amax, std::fabs(x[i * qk + size_t(j)]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        BlockQ8_0 b{};
        b.d = floatToHalf(d);
        for (int j = 0; j < qk; ++j)
            b.qs[j] = int8_t(std::round(x[i * qk + size_t(j)] * id));
        std::memcpy(out.data() + i * sizeof b, &b, sizeof b);
    }
}

template <typename Convert>
void encodeHalves(std::span<const float> x, std::vector<std::byte>& out, Convert convert) {
    for (size_t i = 0; i < x.size(); ++i) {
        const uint16_t h = convert(x[i]);
        std::memcpy(out.data() + 2 * i, &h, 2);
    }
}

} // namespace

std::vector<std::byte> encodeF32(DType type, std::span<const float> values) {
    const auto bytes = dtypeBytes(type, values.size());
    if (!bytes)
        throw std::invalid_argument("encodeF32: not a whole number of blocks");
    std::vector<std::byte> out(static_cast<size_t>(*bytes));
    switch (type) {
    case DType::F32:
        std::memcpy(out.data(), values.data(), out.size());
        break;
    case DType::F16:
        encodeHalves(values, out, floatToHalf);
        break;
    case DType::BF16:
        encodeHalves(values, out, floatToBf16);
        break;
    case DType::Q8_0:
        encodeQ8_0(values, out);
        break;
    default:
        throw std::invalid_argument("encodeF32: the writer cannot produce this type");
    }
    return out;
}

void GgufWriter::set(const std::string& key, MetaValue value) {
    for (auto& [k, v] : m_metadata)
        if (k == key) {
            v = std::move(value);
            return;
        }
    m_metadata.emplace_back(key, std::move(value));
}

void GgufWriter::setString(const std::string& key, std::string value) {
    set(key, MetaValue::ofString(std::move(value)));
}

void GgufWriter::setUint32(const std::string& key, uint32_t value) {
    set(key, MetaValue::ofUint(GgufType::Uint32, value));
}

void GgufWriter::setFloat32(const std::string& key, float value) {
    set(key, MetaValue::ofFloat(GgufType::Float32, value));
}

void GgufWriter::addTensor(const std::string& name, std::vector<int64_t> shape, DType type,
                           std::vector<std::byte> data) {
    uint64_t elements = 1;
    for (int64_t d : shape)
        elements *= uint64_t(d);
    const auto bytes = dtypeBytes(type, elements);
    if (!bytes || *bytes != data.size())
        throw std::invalid_argument("GgufWriter: tensor '" + name + "' data size mismatch");
    m_tensors.push_back({name, std::move(shape), type, std::move(data)});
}

void GgufWriter::addTensorF32(const std::string& name, std::vector<int64_t> shape, DType type,
                              std::span<const float> values) {
    addTensor(name, std::move(shape), type, encodeF32(type, values));
}

uint32_t GgufWriter::alignment() const {
    for (const auto& [k, v] : m_metadata)
        if (k == "general.alignment")
            return uint32_t(v.asInt().value_or(kGgufDefaultAlignment));
    return kGgufDefaultAlignment;
}

std::vector<std::byte> GgufWriter::toBytes() const {
    const uint64_t align = alignment();
    Out out;
    out.put<uint32_t>(kGgufMagic);
    out.put<uint32_t>(3);
    out.put<uint64_t>(m_tensors.size());
    out.put<uint64_t>(m_metadata.size());
    for (const auto& [key, value] : m_metadata) {
        out.putString(key);
        out.put<uint32_t>(uint32_t(value.type));
        putValue(out, value);
    }
    uint64_t offset = 0; // relative to the data section, each tensor aligned
    for (const auto& t : m_tensors) {
        out.putString(t.name);
        out.put<uint32_t>(uint32_t(t.shape.size()));
        for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) // ne[] innermost first
            out.put<int64_t>(*it);
        out.put<uint32_t>(uint32_t(t.type));
        out.put<uint64_t>(offset);
        offset += (t.data.size() + align - 1) / align * align;
    }
    out.padTo(align);
    for (const auto& t : m_tensors) {
        out.putBytes(t.data);
        out.padTo(align);
    }
    return out.take();
}

void GgufWriter::write(const std::filesystem::path& path) const {
    const auto bytes = toBytes();
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!f)
        throw Error(path.string() + ": cannot write");
}

} // namespace ql
