#include "engine/compute/vulkan/vulkan_backend.h"

#include "engine/compute/vulkan/block_kernels.h"
#include "engine/compute/vulkan/error_sum_kernel.h"
#include "engine/compute/vulkan/group_kernel.h"
#include "engine/compute/vulkan/hqq_kernel.h"
#include "engine/compute/vulkan/kernel_choice.h"
#include "engine/compute/vulkan/kquant_kernel.h"
#include "engine/compute/vulkan/quantize_vulkan.h"
#include "engine/compute/vulkan/vulkan_device.h"
#include "engine/compute/vulkan/vulkan_fault.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace ql {
namespace {

// "super-block(s)" for the K-quants (256 values), "group(s)" for HQQ, "block(s)" otherwise.
std::string blockWord(QuantFormat format, uint64_t n) {
    const bool super = dtypeInfo(quantFormatInfo(format).storage).blockSize == 256;
    const char* word = isHqqFormat(format) ? " group" : super ? " super-block" : " block";
    return std::string(word) + (n == 1 ? "" : "s");
}

// What a kernel that keeps a whole tensor on the device may hold: with host-visible buffers,
// half the largest heap that has host-visible memory (on a CPU driver that is the
// process's own RAM; the rest is the process's and the driver's). Staged, every buffer has
// a device-local copy and a staging copy of the same size, which on a GPU with resizable
// BAR may lie in the same (device-local) heap: a quarter of the smaller of the largest
// device-local and the largest host-visible heap, so both copies fit in half of either.
// The largest heap of any kind would not do: a discrete GPU's system-memory heap is often
// larger than its VRAM.
uint64_t residentBudget(const VkPhysicalDeviceMemoryProperties& memory, bool staged) {
    uint64_t deviceLocal = 0, hostVisible = 0;
    for (uint32_t i = 0; i < std::min<uint32_t>(memory.memoryTypeCount, VK_MAX_MEMORY_TYPES); ++i) {
        const VkMemoryType& type = memory.memoryTypes[i];
        if (type.heapIndex >= std::min<uint32_t>(memory.memoryHeapCount, VK_MAX_MEMORY_HEAPS))
            continue;
        const uint64_t heap = memory.memoryHeaps[type.heapIndex].size;
        if (type.propertyFlags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT)
            deviceLocal = std::max(deviceLocal, heap);
        if (type.propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)
            hostVisible = std::max(hostVisible, heap);
    }
    return staged ? std::min(deviceLocal, hostVisible) / 4 : hostVisible / 2;
}

} // namespace

VulkanBackend::VulkanBackend(std::shared_ptr<vk::Instance> instance,
                             std::unique_ptr<vk::Device> device)
    : m_instance(std::move(instance))
    , m_device(std::move(device))
    , m_rtn(std::make_unique<vk::RtnRowwiseKernel>(*m_device))
    , m_groups(std::make_unique<vk::GroupQuantKernel>(*m_device))
    , m_blocks(std::make_unique<vk::BlockKernel>(*m_device))
    , m_fp8(std::make_unique<vk::Fp8RowKernel>(*m_device))
    , m_kquants(vk::KQuantKernel::all(*m_device))
    , m_weighted(vk::KQuantKernel::all(*m_device, true))
    , m_measure(std::make_unique<vk::ErrorSumKernel>(*m_device))
    , m_hqq(std::make_unique<vk::HqqKernel>(*m_device)) {
    m_device->pipelineCacheFile().save(); // every pipeline exists now
}

// Kernels and buffers go before the device they were made on.
VulkanBackend::~VulkanBackend() {
    m_rtn.reset();
    m_groups.reset();
    m_blocks.reset();
    m_fp8.reset();
    m_kquants.clear();
    m_weighted.clear();
    m_measure.reset();
    m_hqq.reset();
}

vk::StagedKernel* VulkanBackend::stagedKernel(QuantFormat format) const {
    for (vk::StagedKernel* kernel : {m_blocks.get(), m_fp8.get()})
        if (kernel->handles(format))
            return kernel;
    return kquantKernel(format);
}

std::string VulkanBackend::deviceName() const {
    return m_device->properties().deviceName;
}

vk::DispatchLimits VulkanBackend::limits() const {
    const auto& device = m_device->properties().limits;
    vk::DispatchLimits l;
    l.maxRows = device.maxComputeWorkGroupCount[0];
    l.maxBufferBytes =
        std::min<uint64_t>(device.maxStorageBufferRange, m_device->maxAllocationBytes());
    l.maxResidentBytes = residentBudget(m_device->memory(), stagedMemory());
    if (m_testMaxResidentBytes)
        l.maxResidentBytes = m_testMaxResidentBytes;
    if (m_testMaxRows)
        l.maxRows = std::min(l.maxRows, m_testMaxRows);
    if (m_testMaxBytes)
        l.maxBufferBytes = std::min(l.maxBufferBytes, m_testMaxBytes);
    return l;
}

Support VulkanBackend::supports(QuantFormat format, int64_t rows, int64_t cols) const {
    if (!m_fault.empty())
        return Support::no("the Vulkan device failed earlier (" + m_fault + "); the CPU runs it");
    const bool rtn = vk::RtnRowwiseKernel::handles(format);
    const bool groups = vk::GroupQuantKernel::handles(format);
    const bool hqq = vk::HqqKernel::handles(format);
    const vk::StagedKernel* staged = stagedKernel(format);
    if (!rtn && !groups && !hqq && !staged)
        return Support::no(vk::whyNoVulkanKernel(format));
    if (rows == 0 || cols == 0)
        return Support::yes();
    const auto plan = rtn ? vk::planInt8Chunks(rows, cols, limits(), groupsPerRow(format, cols))
                      : groups ? vk::GroupQuantKernel::plan(format, rows, cols, limits())
                      : hqq    ? vk::HqqKernel::plan(format, rows, cols, limits())
                               : staged->plan(format, rows, cols, limits());
    if (plan.rowsPerChunk == 0)
        return Support::no(plan.whyNot + "; the CPU runs it");
    return Support::yes();
}

void VulkanBackend::quantize(QuantFormat format, std::span<const float> src, int64_t rows,
                             int64_t cols, QuantizedTensor& out) {
    runOnDevice(format, src, rows, cols, out, nullptr);
}

ErrorSums VulkanBackend::quantizeAndMeasure(QuantFormat format, std::span<const float> src,
                                            int64_t rows, int64_t cols, QuantizedTensor& out) {
    ErrorSums sums;
    runOnDevice(format, src, rows, cols, out, &sums);
    return sums;
}

bool VulkanBackend::prepareRun(const Support& support, QuantFormat format,
                               std::span<const float> src, int64_t rows, int64_t cols,
                               QuantizedTensor& out) {
    if (!support.ok)
        throw Error("vulkan: cannot quantize this tensor: " + support.reason);
    if (src.size() != size_t(rows * cols))
        throw Error("vulkan: quantize got " + std::to_string(src.size()) + " values for a " +
                    std::to_string(rows) + " x " + std::to_string(cols) + " tensor");
    out.resize(format, rows, cols);
    out.backend = label();
    m_lastDispatches = 0;
    m_lastHostBlocks = 0;
    m_lastSumsOnDevice = false;
    m_device->resetDeviceSeconds();
    return rows != 0 && cols != 0;
}

void VulkanBackend::runOnDevice(QuantFormat format, std::span<const float> src, int64_t rows,
                                int64_t cols, QuantizedTensor& out, ErrorSums* sums) {
    std::lock_guard lock(m_mutex);
    if (!prepareRun(supports(format, rows, cols), format, src, rows, cols, out))
        return;
    const bool measureOnDevice = sums && vk::ErrorSumKernel::handles(format);
    const vk::MeasureTarget measure{measureOnDevice ? m_measure.get() : nullptr, sums};
    try {
        if (vk::StagedKernel* staged = stagedKernel(format))
            m_lastDispatches = staged->run(format, src, rows, cols, limits(), out, measure);
        else if (vk::GroupQuantKernel::handles(format))
            m_lastDispatches = m_groups->run(format, src, rows, cols, limits(), out, measure);
        else if (vk::HqqKernel::handles(format))
            m_lastDispatches = m_hqq->run(format, src, rows, cols, limits(), out, measure);
        else
            m_lastDispatches = m_rtn->run(format, src, rows, cols, limits(), out, measure);
    } catch (const VulkanFault& fault) {
        m_fault = fault.what();
        throw;
    }
    // HQQ measures on the device only when it solved every group there (hqq_kernel.h).
    m_lastSumsOnDevice =
        measureOnDevice && (!vk::HqqKernel::handles(format) || m_hqq->lastSumsFromDevice());
    if (sums && !m_lastSumsOnDevice)
        *sums = errorSumsOnHost(src, out);
    out.backend = label() + vk::hostStepsOf(format);
    const vk::KQuantKernel* kquant = kquantKernel(format);
    noteHostBlocks(format,
                   kquant                           ? kquant->lastHostBlocks()
                   : vk::HqqKernel::handles(format) ? m_hqq->lastHostGroups()
                                                    : 0,
                   out);
}

void VulkanBackend::noteHostBlocks(QuantFormat format, uint64_t hostBlocks, QuantizedTensor& out) {
    m_lastHostBlocks = hostBlocks;
    if (m_lastHostBlocks > 0)
        out.backend += " + host (" + std::to_string(m_lastHostBlocks) +
                       blockWord(format, m_lastHostBlocks) +
                       (isHqqFormat(format) ? " the Lp shrink acts on or outside the shader's "
                                              "exact range)"
                                            : " outside the shader's exact range)");
}

Support VulkanBackend::supportsImportance(QuantFormat format, int64_t rows, int64_t cols) const {
    if (!m_fault.empty())
        return Support::no("the Vulkan device failed earlier (" + m_fault + "); the CPU runs it");
    if (!takesImportance(format))
        return Support::no(std::string(quantFormatInfo(format).name) +
                           " has no importance-weighted encoder");
    const vk::KQuantKernel* kernel = weightedKernel(format);
    if (!kernel)
        return Support::no(std::string(quantFormatInfo(format).name) + // (none today)
                           " with an importance matrix has no shader; the CPU runs it");
    if (rows == 0 || cols == 0)
        return Support::yes();
    const auto plan = kernel->plan(format, rows, cols, limits());
    if (plan.rowsPerChunk == 0)
        return Support::no(plan.whyNot + "; the CPU runs it");
    return Support::yes();
}

void VulkanBackend::quantizeWithImportance(QuantFormat format, std::span<const float> src,
                                           int64_t rows, int64_t cols,
                                           const ImportanceInput& importance,
                                           QuantizedTensor& out) {
    std::lock_guard lock(m_mutex);
    requireImportanceRows(importance.weights, rows, cols, importance.layout);
    if (!prepareRun(supportsImportance(format, rows, cols), format, src, rows, cols, out))
        return;
    vk::KQuantKernel* kernel = weightedKernel(format);
    struct Scope { // the vectors are the kernel's for this run only
        vk::KQuantKernel* kernel;
        ~Scope() { kernel->setImportance(nullptr); }
    } scope{kernel};
    kernel->setImportance(&importance);
    try {
        m_lastDispatches = kernel->run(format, src, rows, cols, limits(), out);
    } catch (const VulkanFault& fault) {
        m_fault = fault.what();
        throw;
    }
    out.backend = label() + kernel->hostSteps();
    noteHostBlocks(format, kernel->lastHostBlocks(), out);
}

vk::KQuantKernel* VulkanBackend::kquantKernel(QuantFormat format) const {
    for (const auto& kernel : m_kquants)
        if (kernel->handles(format))
            return kernel.get();
    return nullptr;
}

vk::KQuantKernel* VulkanBackend::weightedKernel(QuantFormat format) const {
    for (const auto& kernel : m_weighted)
        if (kernel->handles(format))
            return kernel.get();
    return nullptr;
}

uint64_t VulkanBackend::lastHostBlocks() const {
    return m_lastHostBlocks;
}
bool VulkanBackend::lastErrorSumsOnDevice() const {
    return m_lastSumsOnDevice;
}
int VulkanBackend::lastHqqRounds() const {
    return m_hqq->lastRounds();
}
std::vector<uint64_t> VulkanBackend::lastHqqHandovers() const {
    return m_hqq->lastHandovers();
}

void VulkanBackend::setMaxRowsPerDispatchForTesting(uint64_t rows) {
    m_testMaxRows = rows;
}
void VulkanBackend::setMaxBufferBytesForTesting(uint64_t bytes) {
    m_testMaxBytes = bytes;
}
void VulkanBackend::setMaxResidentBytesForTesting(uint64_t bytes) {
    m_testMaxResidentBytes = bytes;
}
double VulkanBackend::lastDeviceSeconds() const {
    return m_device->deviceSeconds();
}
void VulkanBackend::injectDeviceLossForTesting(int submits) {
    m_device->failSubmitForTesting(submits);
}
std::string VulkanBackend::pipelineCachePath() const {
    return m_device->pipelineCacheFile().path().string();
}
bool VulkanBackend::pipelineCacheLoaded() const {
    return m_device->pipelineCacheFile().loadedFromDisk();
}
std::string VulkanBackend::kernelChoices() const {
    return vk::describe(m_device->choices());
}
bool VulkanBackend::stagedMemory() const {
    return m_device->choices().placement == vk::MemoryPlacement::DeviceLocal;
}
bool VulkanBackend::cooperativeGroups() const {
    return m_device->choices().groupLayout == vk::GroupLayout::Cooperative;
}
bool VulkanBackend::isCpuDevice() const {
    return m_device->properties().deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
}
bool VulkanBackend::validationEnabled() const {
    return m_instance->validationEnabled();
}
int VulkanBackend::validationErrors() const {
    return m_instance->validationErrors();
}

VulkanProbe makeVulkanBackend(int deviceIndex, bool acceptCpuDevice) {
    if (const char* env = std::getenv("QUANTLENS_VULKAN"); env && std::strcmp(env, "0") == 0)
        return {nullptr, "Vulkan disabled by QUANTLENS_VULKAN=0"};
    try {
        std::string why;
        std::shared_ptr<vk::Instance> instance = vk::Instance::create(why);
        if (!instance)
            return {nullptr, why};
        vk::PhysicalChoice choice = vk::choosePhysicalDevice(instance->handle(), deviceIndex);
        if (!choice.device)
            return {nullptr, choice.why};
        VkPhysicalDeviceProperties props;
        vkGetPhysicalDeviceProperties(choice.device, &props);
        if (!acceptCpuDevice && props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU)
            return {nullptr, std::string("Vulkan device ") + props.deviceName +
                                 " is a CPU driver, slower than the CPU backend on the same " +
                                 "cores; auto uses the CPU (--device vulkan to use it)"};
        auto backend = std::make_unique<VulkanBackend>(
            instance, std::make_unique<vk::Device>(instance, choice));
        std::string message =
            "Vulkan device: " + backend->deviceName() + " [" + backend->kernelChoices() + "]";
        return {std::move(backend), std::move(message)};
    } catch (const std::exception& e) {
        return {nullptr, std::string("Vulkan unavailable: ") + e.what()};
    }
}

} // namespace ql
