#include "engine/quant/imatrix_file.h"

#include "engine/core/error.h"
#include "engine/core/mapped_file.h"
#include "engine/model/byte_reader.h"
#include "engine/model/gguf_reader.h"
#include "engine/model/gguf_writer.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>

namespace ql {
namespace {

constexpr std::string_view kSumsSuffix = ".in_sum2";
constexpr std::string_view kCountsSuffix = ".counts";
constexpr const char* kDatasetsKey = "imatrix.datasets";
constexpr const char* kChunkCountKey = "imatrix.chunk_count";
constexpr const char* kChunkSizeKey = "imatrix.chunk_size";

// ---- legacy .dat ----------------------------------------------------------------------

// The reader and the bytes it walks (ByteReader checks bounds; copies read from here).
struct LegacyCursor {
    ByteReader in;
    std::span<const std::byte> bytes;
    const std::byte* here() const { return bytes.data() + in.offset(); }
};

// An int32 length field followed by that many bytes.
std::string readSizedString(LegacyCursor& c, const std::string& what) {
    ByteReader& in = c.in;
    const uint64_t at = in.offset();
    const auto length = in.read<int32_t>(what + " length");
    if (length < 0 || uint64_t(length) > in.remaining())
        in.failAt(at, what + " length is " + std::to_string(length) + ", but " +
                          groupDigits(in.remaining()) + " bytes remain in the file");
    std::string s(size_t(length), '\0');
    if (length > 0)
        std::memcpy(s.data(), c.here(), size_t(length));
    in.skip(uint64_t(length), what);
    return s;
}

ImatrixEntry readLegacyEntry(LegacyCursor& c, int32_t index) {
    ByteReader& in = c.in;
    ImatrixEntry e;
    const std::string entry = "entry " + std::to_string(index + 1);
    e.name = readSizedString(c, entry + " name");
    const std::string what = entry + " ('" + e.name + "')";
    e.ncall = in.read<int32_t>(what + " ncall");
    const uint64_t nvalAt = in.offset();
    const auto nval = in.read<int32_t>(what + " nval");
    if (nval < 1)
        in.failAt(nvalAt, what + " nval is " + std::to_string(nval) +
                              "; an entry holds at least one value");
    in.require(uint64_t(nval) * sizeof(float),
               what + " values (" + std::to_string(nval) + " float32)");
    e.values.resize(size_t(nval));
    std::memcpy(e.values.data(), c.here(), e.values.size() * sizeof(float));
    in.skip(e.values.size() * sizeof(float), what + " values");
    return e;
}

Imatrix readLegacy(std::span<const std::byte> bytes, const std::string& label) {
    LegacyCursor c{ByteReader(bytes, label), bytes};
    ByteReader& in = c.in;
    Imatrix m;
    m.format = ImatrixFormat::Legacy;
    const auto count = in.read<int32_t>("entry count");
    if (count < 1)
        in.failAt(0, "entry count is " + std::to_string(count) +
                         "; an importance matrix holds at least one entry");
    for (int32_t i = 0; i < count; ++i)
        m.entries.push_back(readLegacyEntry(c, i));
    if (in.remaining() == 0)
        return m;
    m.hasTrailer = true;
    m.chunkCount = in.read<int32_t>("chunk count (after the last entry)");
    m.datasets.push_back(readSizedString(c, "dataset name"));
    if (in.remaining() > 0)
        in.fail(groupDigits(in.remaining()) + " bytes follow the dataset name; the legacy format "
                                              "ends there");
    return m;
}

// ---- GGUF ------------------------------------------------------------------------------

const MetaValue& requireKey(const Model& model, const std::string& label, const char* key) {
    const auto it = model.metadata().find(key);
    if (it == model.metadata().end())
        throw Error(label + ": metadata key '" + key +
                    "' is missing; llama-quantize needs it in a GGUF importance matrix");
    return it->second;
}

void readGgufMetadata(const Model& model, const std::string& label, Imatrix& m) {
    if (const auto it = model.metadata().find("general.type"); it != model.metadata().end())
        if (const std::string* type = it->second.asString(); type && *type != "imatrix")
            throw Error(label + ": general.type is '" + *type + "', not 'imatrix'");
    const auto* datasets = requireKey(model, label, kDatasetsKey).asArray();
    if (!datasets)
        throw Error(label + ": metadata key '" + std::string(kDatasetsKey) +
                    "' is not an array of strings");
    for (const auto& d : *datasets)
        if (const std::string* s = d.asString())
            m.datasets.push_back(*s);
    const auto chunkCount = requireKey(model, label, kChunkCountKey).asInt();
    const auto chunkSize = requireKey(model, label, kChunkSizeKey).asInt();
    if (!chunkCount || !chunkSize)
        throw Error(label + ": imatrix.chunk_count and imatrix.chunk_size must be integers");
    m.chunkCount = int32_t(*chunkCount);
    m.chunkSize = uint32_t(*chunkSize);
}

bool stripSuffix(std::string& name, std::string_view suffix) {
    if (name.size() <= suffix.size() || !name.ends_with(suffix))
        return false;
    name.resize(name.size() - suffix.size());
    return true;
}

std::vector<float> readF32Tensor(const Model& model, const TensorInfo& t,
                                 const std::string& label) {
    if (t.dtype != DType::F32)
        throw Error(label + ": tensor '" + t.name + "' is " + std::string(dtypeInfo(t.dtype).name) +
                    "; importance tensors are F32 (data at byte " + groupDigits(t.offset) + ")");
    return model.readF32(t);
}

ImatrixEntry readGgufEntry(const Model& model, const std::string& label, const std::string& name,
                           const TensorInfo* sums, const TensorInfo* counts) {
    if (!sums || !counts)
        throw Error(label + ": '" + name + "' has " +
                    (sums ? "in_sum2 but no counts" : "counts but no in_sum2") +
                    " tensor; each weight needs both");
    ImatrixEntry e;
    e.name = name;
    e.values = readF32Tensor(model, *sums, label);
    e.counts = readF32Tensor(model, *counts, label);
    if (e.counts.empty() || e.values.empty() || e.values.size() % e.counts.size() != 0)
        throw Error(
            label + ": tensor '" + counts->name + "' holds " + std::to_string(e.counts.size()) +
            " counts for the " + std::to_string(e.values.size()) + " values of '" + sums->name +
            "'; it needs one count per row (data at byte " + groupDigits(counts->offset) + ")");
    return e;
}

Imatrix readGgufImatrix(const std::filesystem::path& path, const std::string& label) {
    const auto model = readGguf(path);
    Imatrix m;
    m.format = ImatrixFormat::Gguf;
    readGgufMetadata(*model, label, m);
    // Sorted by name, as llama-quantize iterates them.
    std::map<std::string, std::pair<const TensorInfo*, const TensorInfo*>> pairs;
    for (const auto& t : model->tensors()) {
        std::string name = t.name;
        if (stripSuffix(name, kSumsSuffix))
            pairs[name].first = &t;
        else if (stripSuffix(name, kCountsSuffix))
            pairs[name].second = &t;
    }
    if (pairs.empty())
        throw Error(label + ": no '<name>.in_sum2' / '<name>.counts' tensors; nothing to read");
    for (const auto& [name, p] : pairs)
        m.entries.push_back(readGgufEntry(*model, label, name, p.first, p.second));
    return m;
}

void appendInt32(std::vector<std::byte>& out, int32_t v) {
    const auto* p = reinterpret_cast<const std::byte*>(&v);
    out.insert(out.end(), p, p + sizeof v);
}

void appendBytes(std::vector<std::byte>& out, const void* data, size_t n) {
    const auto* p = static_cast<const std::byte*>(data);
    out.insert(out.end(), p, p + n);
}

} // namespace

std::vector<float> ImatrixEntry::importance(ImatrixFormat format) const {
    std::vector<float> w = values;
    if (format == ImatrixFormat::Legacy) {
        if (ncall > 0)
            for (float& v : w)
                v /= float(ncall);
        return w;
    }
    const size_t perMatrix = counts.empty() ? w.size() : w.size() / counts.size();
    for (size_t m = 0; m < counts.size(); ++m)
        for (size_t i = m * perMatrix; i < (m + 1) * perMatrix; ++i)
            w[i] = counts[m] > 0.0f ? w[i] / counts[m] : 1.0f; // never-used expert: all ones
    return w;
}

const ImatrixEntry* Imatrix::find(std::string_view name) const {
    for (const auto& e : entries)
        if (e.name == name)
            return &e;
    return nullptr;
}

Imatrix readImatrix(const std::filesystem::path& path) {
    const std::string label = path.string();
    MappedFile map(path);
    const auto bytes = map.bytes();
    uint32_t magic = 0;
    if (bytes.size() >= sizeof magic)
        std::memcpy(&magic, bytes.data(), sizeof magic);
    if (magic == kGgufMagic)
        return readGgufImatrix(path, label);
    return readLegacy(bytes, label);
}

std::vector<std::byte> legacyImatrixBytes(const Imatrix& m) {
    std::vector<std::byte> out;
    appendInt32(out, int32_t(m.entries.size()));
    for (const auto& e : m.entries) {
        appendInt32(out, int32_t(e.name.size()));
        appendBytes(out, e.name.data(), e.name.size());
        appendInt32(out, e.ncall);
        appendInt32(out, int32_t(e.values.size()));
        appendBytes(out, e.values.data(), e.values.size() * sizeof(float));
    }
    if (m.hasTrailer) {
        const std::string dataset = m.datasets.empty() ? std::string() : m.datasets.front();
        appendInt32(out, m.chunkCount);
        appendInt32(out, int32_t(dataset.size()));
        appendBytes(out, dataset.data(), dataset.size());
    }
    return out;
}

void writeImatrixLegacy(const std::filesystem::path& path, const Imatrix& m) {
    const auto bytes = legacyImatrixBytes(m);
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!f)
        throw Error(path.string() + ": cannot write the importance matrix");
}

void writeImatrixGguf(const std::filesystem::path& path, const Imatrix& m) {
    GgufWriter w;
    w.setString("general.type", "imatrix");
    std::vector<MetaValue> datasets;
    for (const auto& d : m.datasets)
        datasets.push_back(MetaValue::ofString(d));
    w.set(kDatasetsKey, MetaValue::ofArray(GgufType::String, std::move(datasets)));
    w.setUint32(kChunkCountKey, uint32_t(m.chunkCount));
    w.setUint32(kChunkSizeKey, m.chunkSize);
    std::vector<const ImatrixEntry*> sorted;
    for (const auto& e : m.entries)
        sorted.push_back(&e);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
    for (const ImatrixEntry* e : sorted) {
        const auto matrices = int64_t(e->counts.size());
        if (matrices == 0 || e->values.empty() || e->values.size() % e->counts.size() != 0)
            throw std::invalid_argument("writeImatrixGguf: '" + e->name +
                                        "' needs one count per matrix row of values");
        const int64_t cols = int64_t(e->values.size()) / matrices;
        w.addTensorF32(e->name + std::string(kSumsSuffix), {matrices, cols}, DType::F32, e->values);
        w.addTensorF32(e->name + std::string(kCountsSuffix), {matrices, 1}, DType::F32, e->counts);
    }
    w.write(path);
}

} // namespace ql
