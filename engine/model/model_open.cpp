#include "engine/core/error.h"
#include "engine/model/gguf_reader.h"
#include "engine/model/model.h"
#include "engine/model/safetensors_reader.h"

#include <array>
#include <cctype>
#include <fstream>

namespace ql {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<Model> openFolder(const fs::path& folder) {
    if (fs::is_regular_file(folder / "model.safetensors"))
        return readSafetensors(folder / "model.safetensors");
    if (fs::is_regular_file(folder / "model.safetensors.index.json"))
        return readSafetensorsIndex(folder / "model.safetensors.index.json");
    throw Error(folder.string() +
                ": the folder holds neither model.safetensors nor model.safetensors.index.json");
}

// The first bytes decide, not the extension: GGUF starts with its magic, safetensors
// with an 8-byte header length followed by the header's '{', an index with '{'.
std::unique_ptr<Model> openFile(const fs::path& path) {
    std::array<char, 9> head{};
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path.string() + ": cannot open");
    in.read(head.data(), head.size());
    const auto got = size_t(in.gcount());
    if (got >= 4 && std::string_view(head.data(), 4) == "GGUF")
        return readGguf(path);
    if (got == 9 && head[8] == '{')
        return readSafetensors(path);
    size_t first = 0;
    while (first < got && std::isspace(static_cast<unsigned char>(head[first])))
        ++first;
    if (first < got && head[first] == '{')
        return readSafetensorsIndex(path);
    // Too short or damaged: let the reader the name suggests explain what is wrong.
    if (path.extension() == ".gguf")
        return readGguf(path);
    if (path.extension() == ".safetensors")
        return readSafetensors(path);
    throw Error(path.filename().string() +
                ": neither a GGUF file, a safetensors file nor a safetensors index (at byte 0)");
}

} // namespace

std::unique_ptr<Model> Model::open(const fs::path& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec))
        return openFolder(path);
    if (!fs::exists(path, ec))
        throw Error(path.string() + ": no such file or folder");
    return openFile(path);
}

} // namespace ql
