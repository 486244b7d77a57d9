#pragma once
// Importance-matrix files as llama.cpp's llama-imatrix writes them and llama-quantize
// --imatrix reads them, in both of their formats:
//
//   legacy .dat (little-endian): int32 entry count; per entry int32 name length, the name,
//     int32 ncall, int32 nval, float32[nval]; then, optionally, int32 chunk count, int32
//     dataset name length and the name. The stored values are (sum of squared activations /
//     tokens) * ncall, so the reader divides by ncall (when > 0).
//   GGUF (general.type "imatrix"): per weight a F32 tensor "<name>.in_sum2" (sums of squared
//     activations, one row per matrix: experts of a MoE tensor) and "<name>.counts" (tokens
//     per matrix), metadata imatrix.datasets (string array), imatrix.chunk_count and
//     imatrix.chunk_size (uint32). The reader divides each row by its count, and a row that
//     never saw a token (count 0) becomes all ones.
//
// Entries keep what the file stores; importance() is llama-quantize's normalisation.
// Bad files end in ql::Error naming the file, the field and the byte offset.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ql {

enum class ImatrixFormat { Legacy, Gguf };

struct ImatrixEntry {
    std::string name;          // the weight's tensor name, "blk.0.attn_q.weight"
    std::vector<float> values; // legacy: as stored (mean * ncall); GGUF: in_sum2, matrix rows
    int32_t ncall = 0;         // legacy only
    std::vector<float> counts; // GGUF only: tokens per matrix (values.size() / counts.size())

    // One weight per column (per column of every matrix), as llama-quantize passes them.
    std::vector<float> importance(ImatrixFormat format) const;
};

struct Imatrix {
    ImatrixFormat format = ImatrixFormat::Gguf;
    std::vector<ImatrixEntry> entries; // legacy: file order; GGUF: by name, as llama-quantize
    // Legacy: the optional trailer (hasTrailer); GGUF: its metadata.
    bool hasTrailer = false;
    int32_t chunkCount = 0;
    uint32_t chunkSize = 0; // GGUF only
    std::vector<std::string> datasets;

    const ImatrixEntry* find(std::string_view name) const;
};

// Reads either format (a file starting with "GGUF" is the GGUF one, as llama-quantize
// decides by whether gguf_init accepts it).
Imatrix readImatrix(const std::filesystem::path& path);

// Writers, for round trips and for tools that emit an importance matrix. The legacy writer
// writes the trailer when hasTrailer (its dataset name is datasets[0], or empty); the GGUF
// writer sorts entries by name, as llama-imatrix does.
std::vector<std::byte> legacyImatrixBytes(const Imatrix& imatrix);
void writeImatrixLegacy(const std::filesystem::path& path, const Imatrix& imatrix);
void writeImatrixGguf(const std::filesystem::path& path, const Imatrix& imatrix);

} // namespace ql
