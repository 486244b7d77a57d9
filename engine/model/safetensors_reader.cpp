#include "engine/model/safetensors_reader.h"

#include "engine/core/error.h"
#include "engine/model/byte_reader.h"
#include "engine/model/json_util.h"
#include "engine/model/model_config.h"

#include <algorithm>
#include <map>
#include <set>

namespace ql {
namespace {

using nlohmann::json;

struct Header {
    json entries;
    std::string_view text;  // the raw header, to point messages at an entry
    uint64_t dataStart = 0; // absolute offset of byte 0 of the data section

    // Where the entry's key first appears in the file (8, the header's start, if unsure).
    uint64_t keyOffset(const std::string& name) const {
        const size_t at = text.find(json(name).dump());
        return at == std::string_view::npos ? 8 : 8 + at;
    }
};

Header readHeader(std::span<const std::byte> bytes, const std::string& label) {
    ByteReader in(bytes, label);
    const auto length = in.read<uint64_t>("safetensors header length");
    if (length > in.remaining())
        in.failAt(0, "header length " + groupDigits(length) + " runs beyond the file's " +
                         groupDigits(in.size()) + " bytes");
    Header h;
    h.entries = parseJson(bytes.subspan(8, length), label, 8, "the header");
    h.text = std::string_view(reinterpret_cast<const char*>(bytes.data()) + 8, length);
    if (!h.entries.is_object())
        in.failAt(8, "the header is not a JSON object");
    h.dataStart = 8 + length;
    return h;
}

std::optional<DType> safetensorsDType(const std::string& name) {
    if (name == "F32")
        return DType::F32;
    if (name == "F16")
        return DType::F16;
    if (name == "BF16")
        return DType::BF16;
    return std::nullopt;
}

[[noreturn]] void fail(const std::string& label, const std::string& message, uint64_t at) {
    throw Error(label + ": " + message + " (at byte " + groupDigits(at) + ")");
}

std::vector<int64_t> readShape(const json& entry, const std::string& label, const std::string& name,
                               uint64_t at) {
    const auto it = entry.find("shape");
    if (it == entry.end() || !it->is_array())
        fail(label, "tensor '" + name + "' has no shape array in the header", at);
    std::vector<int64_t> shape;
    for (const auto& d : *it) {
        if (!d.is_number_unsigned() || d.get<uint64_t>() > uint64_t(INT64_MAX))
            fail(label,
                 "tensor '" + name + "' has a shape entry " + d.dump() + " that is not a dimension",
                 at);
        shape.push_back(d.get<int64_t>());
    }
    return shape;
}

std::pair<uint64_t, uint64_t> readOffsets(const json& entry, const std::string& label,
                                          const std::string& name, uint64_t at) {
    const auto it = entry.find("data_offsets");
    if (it == entry.end() || !it->is_array() || it->size() != 2 || !(*it)[0].is_number_unsigned() ||
        !(*it)[1].is_number_unsigned())
        fail(label, "tensor '" + name + "' needs data_offsets [begin, end] in the header", at);
    return {(*it)[0].get<uint64_t>(), (*it)[1].get<uint64_t>()};
}

DType readDType(const json& entry, const std::string& label, const std::string& name, uint64_t at) {
    const auto it = entry.find("dtype");
    if (it == entry.end() || !it->is_string())
        fail(label, "tensor '" + name + "' has no dtype in the header", at);
    const auto dtype = safetensorsDType(it->get<std::string>());
    if (!dtype)
        fail(label,
             "tensor '" + name + "' has dtype " + it->get<std::string>() +
                 ", which Quantlens cannot read (F32, F16 and BF16 only)",
             at);
    return *dtype;
}

// Checks that the bytes the header promises are where it says and as many as the
// shape needs, and turns relative offsets into absolute ones.
TensorInfo readEntry(const std::string& name, const json& entry, const Header& h, uint64_t fileSize,
                     const std::string& label, uint64_t at) {
    if (!entry.is_object())
        fail(label, "header entry '" + name + "' is not an object", at);
    TensorInfo t;
    t.name = name;
    t.dtype = readDType(entry, label, name, at);
    t.shape = readShape(entry, label, name, at);
    const auto [begin, end] = readOffsets(entry, label, name, at);
    uint64_t expected = dtypeInfo(t.dtype).typeSize;
    for (int64_t d : t.shape)
        if (__builtin_mul_overflow(expected, uint64_t(d), &expected))
            fail(label, "tensor '" + name + "' byte size overflows 64 bits", at);
    if (end < begin)
        fail(label,
             "tensor '" + name + "' data_offsets end " + groupDigits(end) +
                 " lies before its begin " + groupDigits(begin),
             at);
    uint64_t absEnd = 0;
    if (__builtin_add_overflow(h.dataStart, end, &absEnd) || absEnd > fileSize)
        throw Error(label + ": tensor '" + name + "' data ends at byte " +
                    (absEnd >= h.dataStart ? groupDigits(absEnd) : std::string("2^64 or later")) +
                    ", beyond the file's " + groupDigits(fileSize) + " bytes");
    if (end - begin != expected)
        fail(label,
             "tensor '" + name + "' holds " + groupDigits(end - begin) +
                 " bytes, but its shape and dtype need " + groupDigits(expected),
             h.dataStart + begin);
    t.offset = h.dataStart + begin;
    t.nbytes = expected;
    return t;
}

void checkOverlaps(std::vector<TensorInfo>& tensors, const std::string& label) {
    std::vector<const TensorInfo*> order;
    for (const auto& t : tensors)
        if (t.nbytes > 0)
            order.push_back(&t);
    std::sort(order.begin(), order.end(),
              [](const auto* a, const auto* b) { return a->offset < b->offset; });
    for (size_t i = 1; i < order.size(); ++i)
        if (order[i]->offset < order[i - 1]->offset + order[i - 1]->nbytes)
            fail(label, "tensors '" + order[i - 1]->name + "' and '" + order[i]->name + "' overlap",
                 order[i]->offset);
}

void addShardMetadata(Model& model, const json& meta, const std::string& label) {
    if (!meta.is_object())
        fail(label, "__metadata__ is not an object", 8);
    for (const auto& [key, value] : meta.items())
        addJsonMetadata(model.mutableMetadata(), key, value);
}

// Maps one safetensors file into the model and returns the names of its tensors.
std::set<std::string> addShard(Model& model, const std::filesystem::path& file) {
    const int shard = model.addFile(std::make_unique<MappedFile>(file));
    const auto bytes = model.files()[size_t(shard)]->bytes();
    const std::string label = file.filename().string();
    const Header h = readHeader(bytes, label);
    std::vector<TensorInfo> tensors;
    std::set<std::string> names;
    for (const auto& [name, entry] : h.entries.items()) {
        if (name == "__metadata__") {
            addShardMetadata(model, entry, label);
            continue;
        }
        if (model.findTensor(name))
            fail(label, "tensor '" + name + "' appears in more than one shard", 8);
        tensors.push_back(readEntry(name, entry, h, bytes.size(), label, h.keyOffset(name)));
        tensors.back().shard = shard;
        names.insert(name);
    }
    checkOverlaps(tensors, label);
    for (auto& t : tensors)
        model.addTensor(std::move(t));
    return names;
}

void loadConfig(Model& model, const std::filesystem::path& folder) {
    const auto configPath = folder / "config.json";
    json config = json::object();
    if (std::filesystem::is_regular_file(configPath)) {
        config = parseJsonFile(configPath);
        if (!config.is_object())
            throw Error("config.json: not a JSON object (at byte 0)");
        addJsonMetadata(model.mutableMetadata(), "config", config);
    }
    model.mutableConfig() = configFromHfJson(config, model.tensors());
    if (model.config().name.empty())
        model.mutableConfig().name = folder.filename().string();
}

// Shard names come from the index; a name that climbs out of the folder is refused.
std::filesystem::path shardPath(const std::filesystem::path& folder, const std::string& shard,
                                const std::string& label) {
    const std::filesystem::path rel(shard);
    for (const auto& part : rel)
        if (part == "..")
            fail(label, "shard name '" + shard + "' leaves the model's folder", 0);
    if (rel.empty() || rel.is_absolute())
        fail(label, "shard name '" + shard + "' is not a file name in the model's folder", 0);
    return folder / rel;
}

std::map<std::string, std::string> readWeightMap(const json& index, const std::string& label) {
    if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
        fail(label, "no weight_map object", 0);
    std::map<std::string, std::string> weightMap;
    for (const auto& [tensor, shard] : index["weight_map"].items()) {
        if (!shard.is_string())
            fail(label, "weight_map entry '" + tensor + "' is not a file name", 0);
        weightMap[tensor] = shard.get<std::string>();
    }
    return weightMap;
}

} // namespace

std::unique_ptr<Model> readSafetensors(const std::filesystem::path& file) {
    auto model = std::make_unique<Model>(ModelFormat::Safetensors, file);
    addShard(*model, file);
    loadConfig(*model, file.parent_path());
    return model;
}

std::unique_ptr<Model> readSafetensorsIndex(const std::filesystem::path& indexJson) {
    const std::string label = indexJson.filename().string();
    const json index = parseJsonFile(indexJson);
    const auto weightMap = readWeightMap(index, label);
    const auto folder = indexJson.parent_path();
    std::map<std::string, std::string> firstTensorOf; // shard -> a tensor it should hold
    for (const auto& [tensor, shard] : weightMap)
        firstTensorOf.emplace(shard, tensor);

    auto model = std::make_unique<Model>(ModelFormat::Safetensors, indexJson);
    std::map<std::string, std::set<std::string>> held;
    for (const auto& [shard, tensor] : firstTensorOf) {
        const auto path = shardPath(folder, shard, label);
        if (!std::filesystem::is_regular_file(path))
            throw Error(label + ": shard '" + shard + "' (holding tensor '" + tensor +
                        "') is missing from " + folder.string());
        held[shard] = addShard(*model, path);
    }
    for (const auto& [tensor, shard] : weightMap)
        if (!held[shard].count(tensor))
            throw Error(label + ": weight_map puts tensor '" + tensor + "' in '" + shard +
                        "', whose header does not list it");
    if (index.contains("metadata"))
        addJsonMetadata(model->mutableMetadata(), "index", index["metadata"]);
    loadConfig(*model, folder);
    return model;
}

} // namespace ql
