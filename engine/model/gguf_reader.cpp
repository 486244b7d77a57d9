#include "engine/model/gguf_reader.h"

#include "engine/core/error.h"
#include "engine/model/gguf_values.h"
#include "engine/model/model_config.h"

#include <set>

namespace ql {
namespace {

constexpr uint32_t kGgufMaxDims = 4; // GGML_MAX_DIMS
// Smallest possible KV pair (empty key, type, one byte) and tensor info (empty name,
// n_dims 0, type, offset): counts are checked against the bytes left with these.
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 4 + 8;

// The names ggml gives to type ids Quantlens cannot read, so that the error says what
// the file holds rather than a bare number.
std::string ggmlTypeLabel(uint32_t id) {
    static const std::pair<uint32_t, const char*> names[] = {
        {10, "Q2_K"},   {11, "Q3_K"},    {12, "Q4_K"},   {13, "Q5_K"},    {14, "Q6_K"},
        {15, "Q8_K"},   {16, "IQ2_XXS"}, {17, "IQ2_XS"}, {18, "IQ3_XXS"}, {19, "IQ1_S"},
        {20, "IQ4_NL"}, {21, "IQ3_S"},   {22, "IQ2_S"},  {23, "IQ4_XS"},  {24, "I8"},
        {25, "I16"},    {26, "I32"},     {27, "I64"},    {28, "F64"},     {29, "IQ1_M"},
        {34, "TQ1_0"},  {35, "TQ2_0"},
    };
    for (const auto& [known, name] : names)
        if (known == id)
            return std::to_string(id) + " (" + name + ")";
    return std::to_string(id);
}

struct Header {
    uint64_t tensorCount = 0;
    uint64_t kvCount = 0;
};

Header readHeader(ByteReader& in) {
    const auto magic = in.read<uint32_t>("GGUF magic");
    if (magic != kGgufMagic)
        in.failAt(0, "not a GGUF file (bad magic)");
    const auto version = in.read<uint32_t>("GGUF version");
    // v1 used 32-bit counts; v2 and v3 share this layout (v3 only adds big-endian files,
    // whose version reads here as 0x03000000 and is refused).
    if (version != 2 && version != 3)
        in.failAt(4, "unsupported GGUF version " + std::to_string(version) +
                         " (Quantlens reads versions 2 and 3, little-endian)");
    Header h;
    h.tensorCount = in.read<uint64_t>("tensor count");
    h.kvCount = in.read<uint64_t>("metadata count");
    if (h.kvCount > in.remaining() / kMinKvBytes)
        in.failAt(16, "metadata count " + groupDigits(h.kvCount) + " cannot fit in the file");
    if (h.tensorCount > in.remaining() / kMinTensorInfoBytes)
        in.failAt(8, "tensor count " + groupDigits(h.tensorCount) + " cannot fit in the file");
    return h;
}

// Returns where general.alignment starts (0 when absent), for its error message.
uint64_t readMetadata(ByteReader& in, uint64_t count, Metadata& out) {
    uint64_t alignmentAt = 0;
    GgufItemBudget budget;
    for (uint64_t i = 0; i < count; ++i) {
        const uint64_t start = in.offset();
        std::string key = in.readString("metadata key #" + std::to_string(i));
        const auto typeId = in.read<uint32_t>("type of metadata '" + key + "'");
        if (!isValidGgufType(typeId))
            in.failAt(start,
                      "metadata '" + key + "' has unknown value type " + std::to_string(typeId));
        MetaValue value = readGgufValue(in, GgufType(typeId), "metadata '" + key + "'", budget);
        if (out.count(key))
            in.failAt(start, "duplicate metadata key '" + key + "'");
        if (key == "general.alignment")
            alignmentAt = start;
        out.emplace(std::move(key), std::move(value));
    }
    return alignmentAt;
}

uint64_t alignmentOf(const Metadata& meta, const ByteReader& in, uint64_t at) {
    const auto it = meta.find("general.alignment");
    if (it == meta.end())
        return kGgufDefaultAlignment;
    const auto a = it->second.asInt();
    if (!a || *a <= 0 || (*a & (*a - 1)) != 0)
        in.failAt(at, "general.alignment " + it->second.toDisplayString() +
                          " is not a positive power of two");
    return uint64_t(*a);
}

// ne[] is innermost-first in the file; TensorInfo::shape is outermost-first.
void readShape(ByteReader& in, TensorInfo& t, uint64_t infoStart) {
    const auto nDims = in.read<uint32_t>("tensor '" + t.name + "' dimension count");
    if (nDims > kGgufMaxDims)
        in.failAt(infoStart, "tensor '" + t.name + "' has " + std::to_string(nDims) +
                                 " dimensions; GGUF allows at most 4");
    t.shape.assign(nDims, 0);
    for (uint32_t d = 0; d < nDims; ++d) {
        const auto ne = in.read<int64_t>("tensor '" + t.name + "' shape");
        if (ne < 0)
            in.failAt(infoStart,
                      "tensor '" + t.name + "' has negative dimension " + std::to_string(ne));
        t.shape[nDims - 1 - d] = ne;
    }
}

void sizeTensor(ByteReader& in, TensorInfo& t, uint32_t typeId, uint64_t infoStart) {
    const auto info = dtypeInfoFromId(typeId);
    if (!info)
        in.failAt(infoStart, "tensor '" + t.name + "' has type id " + ggmlTypeLabel(typeId) +
                                 ", which Quantlens cannot read");
    t.dtype = info->type;
    uint64_t elements = 1;
    for (int64_t d : t.shape)
        if (__builtin_mul_overflow(elements, uint64_t(d), &elements) ||
            elements > uint64_t(INT64_MAX))
            in.failAt(infoStart, "tensor '" + t.name + "' has more elements than 64 bits count");
    if (!t.shape.empty() && t.cols() % info->blockSize != 0)
        in.failAt(infoStart, "tensor '" + t.name + "' rows of " + std::to_string(t.cols()) +
                                 " are not a whole number of " + std::string(info->name) +
                                 " blocks of " + std::to_string(info->blockSize));
    const auto bytes = dtypeBytes(t.dtype, elements);
    if (!bytes)
        in.failAt(infoStart, "tensor '" + t.name + "' byte size overflows 64 bits");
    t.nbytes = *bytes;
}

TensorInfo readTensorInfo(ByteReader& in, uint64_t index) {
    const uint64_t start = in.offset();
    TensorInfo t;
    t.name = in.readString("name of tensor #" + std::to_string(index));
    readShape(in, t, start);
    const auto typeId = in.read<uint32_t>("tensor '" + t.name + "' type");
    t.offset = in.read<uint64_t>("tensor '" + t.name + "' offset");
    sizeTensor(in, t, typeId, start);
    return t;
}

// Turns relative offsets into absolute ones and checks every byte lies in the file.
void placeTensor(const ByteReader& in, TensorInfo& t, uint64_t infoAt, uint64_t dataStart,
                 uint64_t alignment) {
    if (t.offset % alignment != 0)
        in.failAt(infoAt, "tensor '" + t.name + "' data offset " + groupDigits(t.offset) +
                              " is not a multiple of the alignment " + std::to_string(alignment));
    uint64_t begin = 0, end = 0;
    const bool overflow = __builtin_add_overflow(dataStart, t.offset, &begin) ||
                          __builtin_add_overflow(begin, t.nbytes, &end);
    if (overflow || end > in.size())
        throw Error(in.label() + ": tensor '" + t.name + "' data ends at byte " +
                    (overflow ? std::string("2^64 or later") : groupDigits(end)) +
                    ", beyond the file's " + groupDigits(in.size()) + " bytes");
    t.offset = begin;
}

} // namespace

std::unique_ptr<Model> readGguf(const std::filesystem::path& path) {
    auto model = std::make_unique<Model>(ModelFormat::Gguf, path);
    const int shard = model->addFile(std::make_unique<MappedFile>(path));
    ByteReader in(model->files()[size_t(shard)]->bytes(), path.filename().string());

    const Header header = readHeader(in);
    const uint64_t alignmentAt = readMetadata(in, header.kvCount, model->mutableMetadata());
    const uint64_t alignment = alignmentOf(model->metadata(), in, alignmentAt);

    std::vector<TensorInfo> tensors;
    std::vector<uint64_t> infoAt; // where each tensor info starts, for messages
    std::set<std::string> names;
    for (uint64_t i = 0; i < header.tensorCount; ++i) {
        const uint64_t start = in.offset();
        infoAt.push_back(start);
        tensors.push_back(readTensorInfo(in, i));
        if (!names.insert(tensors.back().name).second)
            in.failAt(start, "duplicate tensor name '" + tensors.back().name + "'");
    }
    uint64_t dataStart = 0;
    if (__builtin_add_overflow(in.offset(), alignment - 1, &dataStart))
        in.fail("data section offset overflows");
    dataStart -= dataStart % alignment;
    for (size_t i = 0; i < tensors.size(); ++i) {
        TensorInfo& t = tensors[i];
        placeTensor(in, t, infoAt[i], dataStart, alignment);
        t.shard = shard;
        model->addTensor(std::move(t));
    }
    model->mutableConfig() = configFromGguf(model->metadata(), model->tensors());
    return model;
}

} // namespace ql
