#pragma once
// A VkPipelineCache kept on disk, so that the driver compiles each shader once per
// device and driver version instead of at every start (seconds on lavapipe, whose
// pipelines are LLVM-compiled).
//
// File: $XDG_CACHE_HOME/quantlens/pipeline-<deviceUUID>.bin (else ~/.cache/quantlens/...).
// It holds our header (magic "QLPC", format version, payload bytes, FNV-1a 64 of the
// payload) and then the driver's data, whose own header (Vulkan's
// VkPipelineCacheHeaderVersionOne: vendor, device, pipelineCacheUUID) must match the
// device. Anything that does not check out (truncated, corrupt, another driver) is
// ignored with one line on stderr and replaced at the next save; it never fails a job.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>
#include <vulkan/vulkan.h>

namespace ql::vk {

struct PipelineCacheIdentity {
    uint32_t vendorId = 0;
    uint32_t deviceId = 0;
    uint8_t pipelineCacheUuid[VK_UUID_SIZE] = {};
    uint8_t deviceUuid[VK_UUID_SIZE] = {};
};

// Where the cache of this device lives; empty when neither XDG_CACHE_HOME nor HOME is set.
std::filesystem::path pipelineCachePath(const PipelineCacheIdentity& id);

// The driver data held in a cache file, or empty with `why` set when the file is absent
// or must be ignored. Pure, so that every rejection is tested without a device.
std::vector<uint8_t> readPipelineCacheFile(const std::filesystem::path& path,
                                           const PipelineCacheIdentity& id, std::string& why);
// Writes atomically (a temporary file, then a rename). Returns false with `why` on error.
bool writePipelineCacheFile(const std::filesystem::path& path, const std::vector<uint8_t>& data,
                            std::string& why);

class PipelineCache {
public:
    PipelineCache(VkDevice device, const PipelineCacheIdentity& id);
    ~PipelineCache();
    PipelineCache(const PipelineCache&) = delete;
    PipelineCache& operator=(const PipelineCache&) = delete;

    VkPipelineCache handle() const { return m_cache; }
    const std::filesystem::path& path() const { return m_path; }
    bool loadedFromDisk() const { return m_loaded; }
    // Saves the driver's current data unless it is what was loaded; failures are logged,
    // never thrown.
    void save() const;

private:
    VkDevice m_device;
    std::filesystem::path m_path;
    VkPipelineCache m_cache = VK_NULL_HANDLE;
    bool m_loaded = false;
    size_t m_loadedBytes = 0;
};

} // namespace ql::vk
