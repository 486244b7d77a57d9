#pragma once
// An opened model: GGUF or safetensors (single file or sharded), memory-mapped.
// Tensor bytes are zero-copy views into the maps, valid while the Model lives.
#include "engine/core/mapped_file.h"
#include "engine/model/metadata.h"
#include "engine/quant/formats.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ql {

struct TensorInfo {
    std::string name;
    // Outermost dimension first, as PyTorch prints it: a weight is {rows, cols} with
    // cols the contiguous (input) dimension. GGUF's ne[] is the reverse of this.
    std::vector<int64_t> shape;
    DType dtype = DType::F32;
    int shard = 0;       // index into Model's files
    uint64_t offset = 0; // absolute byte offset of the data in its file
    uint64_t nbytes = 0;

    int64_t elements() const;
    int64_t cols() const { return shape.empty() ? 1 : shape.back(); }
    int64_t rows() const { return cols() == 0 ? 0 : elements() / cols(); }
    bool isMatrix() const { return shape.size() == 2; }
    // A tensor of three or more dimensions is a stack of matrices of its last two (GGUF's
    // MoE expert tensors, {n_expert, rows, cols}); a matrix is a stack of one.
    int64_t matrixRows() const { return shape.size() < 2 ? rows() : shape[shape.size() - 2]; }
    int64_t matrices() const { return matrixRows() == 0 ? 0 : rows() / matrixRows(); }
};

// Architecture hyper-parameters; 0 (or empty) where the file does not say.
struct ModelConfig {
    std::string architecture; // "llama"
    std::string name;
    int64_t nLayer = 0;
    int64_t nHead = 0;
    int64_t nHeadKv = 0;
    int64_t headDim = 0;
    int64_t nEmbd = 0;
    int64_t nFf = 0;
    int64_t contextLength = 0;
    int64_t vocabSize = 0;
    double rmsNormEps = 0;
    double ropeFreqBase = 0;
};

enum class ModelFormat { Gguf, Safetensors };

class Model {
public:
    // Opens a .gguf file, a .safetensors file, a model.safetensors.index.json, or a
    // folder holding one of those. Throws ql::Error naming file, field and offset.
    static std::unique_ptr<Model> open(const std::filesystem::path& path);

    Model(ModelFormat format, std::filesystem::path path);

    ModelFormat format() const { return m_format; }
    const std::filesystem::path& path() const { return m_path; }
    const std::vector<TensorInfo>& tensors() const { return m_tensors; }
    const TensorInfo* findTensor(std::string_view name) const;
    const ModelConfig& config() const { return m_config; }
    const Metadata& metadata() const { return m_metadata; }
    uint64_t fileBytes() const; // all shards together
    int64_t parameterCount() const;
    const std::vector<std::unique_ptr<MappedFile>>& files() const { return m_files; }

    std::span<const std::byte> tensorBytes(const TensorInfo& t) const;
    // Converts rows [rowBegin, rowBegin + rowCount) of a tensor to float32 into out
    // (rowCount * cols floats). Works for every DType in formats.h.
    void readRowsF32(const TensorInfo& t, int64_t rowBegin, int64_t rowCount, float* out) const;
    std::vector<float> readF32(const TensorInfo& t) const;

    // For readers: the pieces a Model is built from.
    int addFile(std::unique_ptr<MappedFile> file);
    void addTensor(TensorInfo t) { m_tensors.push_back(std::move(t)); }
    Metadata& mutableMetadata() { return m_metadata; }
    ModelConfig& mutableConfig() { return m_config; }

private:
    ModelFormat m_format;
    std::filesystem::path m_path;
    std::vector<std::unique_ptr<MappedFile>> m_files;
    std::vector<TensorInfo> m_tensors;
    Metadata m_metadata;
    ModelConfig m_config;
};

const char* modelFormatName(ModelFormat f);

} // namespace ql
