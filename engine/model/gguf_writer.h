#pragma once
// Writes GGUF v3 files: metadata of every value type (arrays and nested arrays too),
// tensors as raw bytes of any DType or converted from float32 (F32, F16, BF16, Q8_0),
// and the alignment (general.alignment) honoured for every tensor.
#include "engine/model/metadata.h"
#include "engine/quant/formats.h"

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace ql {

class GgufWriter {
public:
    // Metadata keeps insertion order, as it will appear in the file. Setting
    // general.alignment (uint32) changes the alignment the writer uses.
    void set(const std::string& key, MetaValue value);
    void setString(const std::string& key, std::string value);
    void setUint32(const std::string& key, uint32_t value);
    void setFloat32(const std::string& key, float value);

    // shape is outermost-first (as TensorInfo::shape); data must be exactly
    // dtypeBytes(type, elements) bytes.
    void addTensor(const std::string& name, std::vector<int64_t> shape, DType type,
                   std::vector<std::byte> data);
    // Converts float32 values to `type` (F32, F16, BF16 or Q8_0, the latter with
    // ggml's quantize_row_q8_0_ref rounding).
    void addTensorF32(const std::string& name, std::vector<int64_t> shape, DType type,
                      std::span<const float> values);

    const std::vector<std::pair<std::string, MetaValue>>& metadata() const { return m_metadata; }
    uint32_t alignment() const;
    std::vector<std::byte> toBytes() const;
    void write(const std::filesystem::path& path) const;

private:
    struct Tensor {
        std::string name;
        std::vector<int64_t> shape;
        DType type;
        std::vector<std::byte> data;
    };
    std::vector<std::pair<std::string, MetaValue>> m_metadata;
    std::vector<Tensor> m_tensors;
};

// float32 -> storage bytes of `type`; throws std::invalid_argument for the types the
// writer cannot produce or a count that is not a whole number of blocks.
std::vector<std::byte> encodeF32(DType type, std::span<const float> values);

} // namespace ql
