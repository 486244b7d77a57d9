#include "engine/model/model.h"

#include "engine/core/error.h"
#include "engine/quant/dequantize.h"

namespace ql {

int64_t TensorInfo::elements() const {
    int64_t n = 1;
    for (int64_t d : shape)
        n *= d; // readers have checked that this cannot overflow
    return n;
}

Model::Model(ModelFormat format, std::filesystem::path path)
    : m_format(format)
    , m_path(std::move(path)) {}

const TensorInfo* Model::findTensor(std::string_view name) const {
    for (const auto& t : m_tensors)
        if (t.name == name)
            return &t;
    return nullptr;
}

uint64_t Model::fileBytes() const {
    uint64_t total = 0;
    for (const auto& f : m_files)
        total += f->size();
    return total;
}

int64_t Model::parameterCount() const {
    int64_t total = 0;
    for (const auto& t : m_tensors)
        total += t.elements();
    return total;
}

int Model::addFile(std::unique_ptr<MappedFile> file) {
    m_files.push_back(std::move(file));
    return int(m_files.size()) - 1;
}

std::span<const std::byte> Model::tensorBytes(const TensorInfo& t) const {
    // Readers checked offset + nbytes against the file size when they built t.
    return m_files.at(size_t(t.shard))->bytes().subspan(t.offset, t.nbytes);
}

void Model::readRowsF32(const TensorInfo& t, int64_t rowBegin, int64_t rowCount, float* out) const {
    const int64_t rows = t.rows();
    if (rowBegin < 0 || rowCount < 0 || rowBegin > rows || rowCount > rows - rowBegin)
        throw Error(m_path.filename().string() + ": tensor '" + t.name + "' has " +
                    std::to_string(rows) + " rows; rows " + std::to_string(rowBegin) + ".." +
                    std::to_string(rowBegin + rowCount) + " were asked for");
    if (rowCount == 0 || t.cols() == 0)
        return;
    const uint64_t rowBytes = *dtypeBytes(t.dtype, uint64_t(t.cols()));
    const auto bytes =
        tensorBytes(t).subspan(uint64_t(rowBegin) * rowBytes, uint64_t(rowCount) * rowBytes);
    dequantizeRows(t.dtype, bytes, out, rowCount * t.cols());
}

std::vector<float> Model::readF32(const TensorInfo& t) const {
    std::vector<float> out(size_t(t.elements()));
    readRowsF32(t, 0, t.rows(), out.data());
    return out;
}

const char* modelFormatName(ModelFormat f) {
    switch (f) {
    case ModelFormat::Gguf:
        return "GGUF";
    case ModelFormat::Safetensors:
        return "safetensors";
    }
    return "unknown";
}

} // namespace ql
