#include "engine/compute/vulkan/pipeline_cache.h"

#include "engine/compute/vulkan/vulkan_check.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <system_error>

namespace ql::vk {
namespace {

constexpr char kMagic[4] = {'Q', 'L', 'P', 'C'};
constexpr uint32_t kFileVersion = 1;
constexpr size_t kOurHeaderBytes = 4 + 4 + 8 + 8;
constexpr size_t kVulkanHeaderBytes = 16 + VK_UUID_SIZE; // VkPipelineCacheHeaderVersionOne

uint64_t fnv1a64(const uint8_t* data, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; ++i)
        h = (h ^ data[i]) * 0x100000001b3ull;
    return h;
}

template <typename T> T readLe(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof v); // little-endian hosts only, as the driver data itself
    return v;
}

std::string hex(const uint8_t* bytes, size_t n) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        s += digits[bytes[i] >> 4];
        s += digits[bytes[i] & 15];
    }
    return s;
}

// Vulkan's own header of the driver data (the spec fixes its layout).
std::string vulkanHeaderProblem(const uint8_t* p, size_t n, const PipelineCacheIdentity& id) {
    if (n < kVulkanHeaderBytes)
        return "driver data of " + std::to_string(n) + " bytes is shorter than its header";
    if (readLe<uint32_t>(p) < kVulkanHeaderBytes || readLe<uint32_t>(p) > n)
        return "driver header size field " + std::to_string(readLe<uint32_t>(p)) + " is invalid";
    if (readLe<uint32_t>(p + 4) != VK_PIPELINE_CACHE_HEADER_VERSION_ONE)
        return "driver header version " + std::to_string(readLe<uint32_t>(p + 4)) + " unknown";
    if (readLe<uint32_t>(p + 8) != id.vendorId || readLe<uint32_t>(p + 12) != id.deviceId)
        return "it was written for another device (vendor/device id differ)";
    if (std::memcmp(p + 16, id.pipelineCacheUuid, VK_UUID_SIZE) != 0)
        return "it was written by another driver version (pipelineCacheUUID differs)";
    return {};
}

void logIgnored(const std::filesystem::path& path, const std::string& why) {
    std::cerr << "quantlens: ignoring Vulkan pipeline cache " << path.string() << ": " << why
              << "\n";
}

} // namespace

std::filesystem::path pipelineCachePath(const PipelineCacheIdentity& id) {
    std::filesystem::path dir;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
        dir = xdg;
    else if (const char* home = std::getenv("HOME"); home && *home)
        dir = std::filesystem::path(home) / ".cache";
    else
        return {};
    return dir / "quantlens" / ("pipeline-" + hex(id.deviceUuid, VK_UUID_SIZE) + ".bin");
}

std::vector<uint8_t> readPipelineCacheFile(const std::filesystem::path& path,
                                           const PipelineCacheIdentity& id, std::string& why) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        why = "no such file";
        return {};
    }
    const std::vector<uint8_t> file{std::istreambuf_iterator<char>(in), {}};
    if (file.size() < kOurHeaderBytes || std::memcmp(file.data(), kMagic, 4) != 0) {
        why = "not a Quantlens pipeline cache (bad magic at byte 0)";
        return {};
    }
    if (readLe<uint32_t>(file.data() + 4) != kFileVersion) {
        why = "file version " + std::to_string(readLe<uint32_t>(file.data() + 4)) +
              " at byte 4 is not " + std::to_string(kFileVersion);
        return {};
    }
    const uint64_t payload = readLe<uint64_t>(file.data() + 8);
    if (payload != file.size() - kOurHeaderBytes) {
        why = "payload size " + std::to_string(payload) + " at byte 8 does not match the " +
              std::to_string(file.size() - kOurHeaderBytes) + " bytes present (truncated?)";
        return {};
    }
    const uint8_t* data = file.data() + kOurHeaderBytes;
    if (fnv1a64(data, payload) != readLe<uint64_t>(file.data() + 16)) {
        why = "checksum at byte 16 does not match the data (corrupt)";
        return {};
    }
    if (std::string problem = vulkanHeaderProblem(data, payload, id); !problem.empty()) {
        why = problem;
        return {};
    }
    return {data, data + payload};
}

bool writePipelineCacheFile(const std::filesystem::path& path, const std::vector<uint8_t>& data,
                            std::string& why) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    const std::filesystem::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        const uint64_t size = data.size(), sum = fnv1a64(data.data(), data.size());
        out.write(kMagic, 4);
        out.write(reinterpret_cast<const char*>(&kFileVersion), 4);
        out.write(reinterpret_cast<const char*>(&size), 8);
        out.write(reinterpret_cast<const char*>(&sum), 8);
        out.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
        if (!out) {
            why = "cannot write " + tmp.string();
            return false;
        }
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        why = "cannot rename " + tmp.string() + ": " + ec.message();
        return false;
    }
    return true;
}

PipelineCache::PipelineCache(VkDevice device, const PipelineCacheIdentity& id)
    : m_device(device)
    , m_path(pipelineCachePath(id)) {
    std::vector<uint8_t> data;
    if (!m_path.empty() && std::filesystem::exists(m_path)) {
        std::string why;
        data = readPipelineCacheFile(m_path, id, why);
        if (data.empty())
            logIgnored(m_path, why);
    }
    auto info = make<VkPipelineCacheCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO);
    info.initialDataSize = data.size();
    info.pInitialData = data.empty() ? nullptr : data.data();
    VkResult result = vkCreatePipelineCache(m_device, &info, nullptr, &m_cache);
    if (result != VK_SUCCESS && !data.empty()) { // a driver may still reject its own data
        logIgnored(m_path, std::string("the driver rejected it (") + resultName(result) + ")");
        info.initialDataSize = 0;
        info.pInitialData = nullptr;
        result = vkCreatePipelineCache(m_device, &info, nullptr, &m_cache);
        data.clear();
    }
    check(result, "vkCreatePipelineCache");
    m_loaded = !data.empty();
    m_loadedBytes = data.size();
}

PipelineCache::~PipelineCache() {
    if (m_cache)
        vkDestroyPipelineCache(m_device, m_cache, nullptr);
}

void PipelineCache::save() const {
    if (m_path.empty())
        return;
    size_t size = 0;
    if (vkGetPipelineCacheData(m_device, m_cache, &size, nullptr) != VK_SUCCESS || size == 0 ||
        (m_loaded && size == m_loadedBytes))
        return;
    std::vector<uint8_t> data(size);
    if (vkGetPipelineCacheData(m_device, m_cache, &size, data.data()) != VK_SUCCESS)
        return;
    data.resize(size);
    if (std::string why; !writePipelineCacheFile(m_path, data, why))
        std::cerr << "quantlens: could not save the Vulkan pipeline cache: " << why << "\n";
}

} // namespace ql::vk
