#include "engine/model/safetensors_writer.h"

#include "engine/core/error.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

namespace ql {
namespace {

void writeFile(const std::filesystem::path& path, const std::vector<std::byte>& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!f)
        throw Error(path.string() + ": cannot write");
}

std::string shardName(int index, int count) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "model-%05d-of-%05d.safetensors", index, count);
    return buf;
}

} // namespace

std::vector<std::byte> safetensorsBytes(const std::vector<SafetensorsTensor>& tensors,
                                        const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const auto& t : tensors) {
        header[t.name] = {{"dtype", t.dtype},
                          {"shape", t.shape},
                          {"data_offsets", {offset, offset + t.data.size()}}};
        offset += t.data.size();
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    std::vector<std::byte> out(8 + text.size());
    const uint64_t length = text.size();
    std::memcpy(out.data(), &length, 8);
    std::memcpy(out.data() + 8, text.data(), text.size());
    for (const auto& t : tensors)
        out.insert(out.end(), t.data.begin(), t.data.end());
    return out;
}

void writeSafetensors(const std::filesystem::path& path,
                      const std::vector<SafetensorsTensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    writeFile(path, safetensorsBytes(tensors, metadata));
}

std::filesystem::path writeShardedSafetensors(const std::filesystem::path& folder,
                                              const std::vector<SafetensorsTensor>& tensors,
                                              int shards) {
    nlohmann::ordered_json weightMap = nlohmann::ordered_json::object();
    uint64_t totalSize = 0;
    const size_t perShard = (tensors.size() + size_t(shards) - 1) / size_t(shards);
    for (int s = 0; s < shards; ++s) {
        const size_t begin = std::min(tensors.size(), size_t(s) * perShard);
        const size_t end = std::min(tensors.size(), begin + perShard);
        const std::vector<SafetensorsTensor> part(tensors.begin() + long(begin),
                                                  tensors.begin() + long(end));
        const std::string name = shardName(s + 1, shards);
        writeSafetensors(folder / name, part, {{"format", "pt"}});
        for (const auto& t : part) {
            weightMap[t.name] = name;
            totalSize += t.data.size();
        }
    }
    const nlohmann::ordered_json index = {{"metadata", {{"total_size", totalSize}}},
                                          {"weight_map", weightMap}};
    const std::string text = index.dump(2);
    const auto path = folder / "model.safetensors.index.json";
    writeFile(path, std::vector<std::byte>(reinterpret_cast<const std::byte*>(text.data()),
                                           reinterpret_cast<const std::byte*>(text.data()) +
                                               text.size()));
    return path;
}

} // namespace ql
