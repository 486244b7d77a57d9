#pragma once
// The GPU catalog: memory, bandwidth and native low-precision support of data-centre and
// workstation GPUs. The built-in catalog is resources/gpu_catalog.json, embedded into the
// engine at build time (engine/CMakeLists.txt generates gpu_catalog_data.cpp from it), so
// the CLI and the workbench need no file next to the executable; a user catalog in the
// same schema can be loaded with fromJson / fromFile.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ql::fit {

struct GpuSpec {
    std::string id;   // "h100-sxm": what --gpu takes
    std::string name; // "NVIDIA H100 SXM"
    std::vector<std::string> aliases;
    std::string csvSource, csvGpu;             // the data row it was copied from
    std::optional<double> memoryGib, memoryGb; // exactly one is set, as the source gives it
    uint64_t memoryBytes = 0;
    double bandwidthGBs = 0;
    bool fp8 = false, int8 = false, int4 = false;
};

class GpuCatalog {
public:
    static const GpuCatalog& builtin();
    static GpuCatalog fromJson(std::string_view text, const std::string& label);
    static GpuCatalog fromFile(const std::filesystem::path& path);

    const std::vector<GpuSpec>& gpus() const { return m_gpus; }
    // By id, alias, name or source row name, case-insensitive.
    const GpuSpec* find(std::string_view name) const;
    std::string ids() const; // "a100-pcie-80gb, ..." for errors and help

private:
    std::vector<GpuSpec> m_gpus;
};

// Text of resources/gpu_catalog.json as compiled in (gpu_catalog_data.cpp, generated).
std::string_view builtinGpuCatalogJson();

} // namespace ql::fit
