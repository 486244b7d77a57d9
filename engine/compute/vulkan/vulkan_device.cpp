#include "engine/compute/vulkan/vulkan_device.h"

#include "engine/compute/vulkan/vulkan_check.h"

#include <cstring>
#include <optional>
#include <vector>

namespace ql::vk {
namespace {

// A lost or hung device must not hang the job forever; lavapipe needs well under a
// second for the largest chunk (a few hundred MiB).
constexpr uint64_t kFenceTimeoutNs = 120ull * 1000 * 1000 * 1000;

int typeRank(VkPhysicalDeviceType type) {
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
        return 1;
    default:
        return 0;
    }
}

std::optional<uint32_t> computeQueueFamily(VkPhysicalDevice device) {
    uint32_t count = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(device, &count, nullptr);
    std::vector<VkQueueFamilyProperties> families(count);
    vkGetPhysicalDeviceQueueFamilyProperties(device, &count, families.data());
    for (uint32_t i = 0; i < count; ++i)
        if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT)
            return i;
    return std::nullopt;
}

// Empty when usable, else why not.
std::string unusableReason(VkPhysicalDevice device) {
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(device, &props);
    std::string name = props.deviceName;
    if (props.apiVersion < VK_API_VERSION_1_2)
        return name + " supports only Vulkan " +
               std::to_string(VK_API_VERSION_MAJOR(props.apiVersion)) + "." +
               std::to_string(VK_API_VERSION_MINOR(props.apiVersion)) + " (1.2 needed)";
    if (!computeQueueFamily(device))
        return name + " has no compute queue";
    return {};
}

std::vector<VkPhysicalDevice> physicalDevices(VkInstance instance) {
    uint32_t count = 0;
    vkEnumeratePhysicalDevices(instance, &count, nullptr);
    std::vector<VkPhysicalDevice> devices(count);
    vkEnumeratePhysicalDevices(instance, &count, devices.data());
    devices.resize(count);
    return devices;
}

PhysicalChoice chosen(VkPhysicalDevice device) {
    return {device, *computeQueueFamily(device), {}};
}

} // namespace

PhysicalChoice choosePhysicalDevice(VkInstance instance, int index) {
    const auto devices = physicalDevices(instance);
    if (devices.empty())
        return {VK_NULL_HANDLE, 0, "no Vulkan physical device"};
    if (index >= 0) {
        if (size_t(index) >= devices.size())
            return {VK_NULL_HANDLE, 0,
                    "Vulkan device index " + std::to_string(index) + " out of range (" +
                        std::to_string(devices.size()) + " devices)"};
        std::string why = unusableReason(devices[size_t(index)]);
        return why.empty() ? chosen(devices[size_t(index)])
                           : PhysicalChoice{VK_NULL_HANDLE, 0, why};
    }
    VkPhysicalDevice best = VK_NULL_HANDLE;
    int bestRank = -1;
    std::string reasons;
    for (VkPhysicalDevice device : devices) {
        if (std::string why = unusableReason(device); !why.empty()) {
            reasons += (reasons.empty() ? "" : "; ") + why;
            continue;
        }
        VkPhysicalDeviceProperties props;
        vkGetPhysicalDeviceProperties(device, &props);
        if (typeRank(props.deviceType) > bestRank) {
            bestRank = typeRank(props.deviceType);
            best = device;
        }
    }
    if (!best)
        return {VK_NULL_HANDLE, 0, "no usable Vulkan device: " + reasons};
    return chosen(best);
}

Device::Device(std::shared_ptr<Instance> instance, const PhysicalChoice& choice)
    : m_instance(std::move(instance))
    , m_physical(choice.device) {
    auto maintenance3 = make<VkPhysicalDeviceMaintenance3Properties>(
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES);
    auto ids = make<VkPhysicalDeviceIDProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES);
    maintenance3.pNext = &ids;
    auto subgroups = make<VkPhysicalDeviceSubgroupProperties>(
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES);
    ids.pNext = &subgroups;
    auto props2 = make<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
    props2.pNext = &maintenance3;
    vkGetPhysicalDeviceProperties2(m_physical, &props2);
    m_properties = props2.properties;
    m_identity.vendorId = m_properties.vendorID;
    m_identity.deviceId = m_properties.deviceID;
    std::memcpy(m_identity.pipelineCacheUuid, m_properties.pipelineCacheUUID, VK_UUID_SIZE);
    std::memcpy(m_identity.deviceUuid, ids.deviceUUID, VK_UUID_SIZE);
    m_maxAllocation = maintenance3.maxMemoryAllocationSize;
    vkGetPhysicalDeviceMemoryProperties(m_physical, &m_memory);
    chooseKernels(subgroups);

    // No optional feature is enabled: the kernels pack 8-bit codes into 32-bit words and
    // need nothing beyond core Vulkan 1.2 compute.
    const float priority = 1.0f;
    auto queueInfo = make<VkDeviceQueueCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO);
    queueInfo.queueFamilyIndex = choice.queueFamily;
    queueInfo.queueCount = 1;
    queueInfo.pQueuePriorities = &priority;
    auto info = make<VkDeviceCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO);
    info.queueCreateInfoCount = 1;
    info.pQueueCreateInfos = &queueInfo;
    check(vkCreateDevice(m_physical, &info, nullptr, &m_device), "vkCreateDevice");
    vkGetDeviceQueue(m_device, choice.queueFamily, 0, &m_queue);
    m_pipelineCache = std::make_unique<PipelineCache>(m_device, m_identity);

    auto poolInfo = make<VkCommandPoolCreateInfo>(VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO);
    poolInfo.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    poolInfo.queueFamilyIndex = choice.queueFamily;
    check(vkCreateCommandPool(m_device, &poolInfo, nullptr, &m_pool), "vkCreateCommandPool");
    auto allocInfo =
        make<VkCommandBufferAllocateInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO);
    allocInfo.commandPool = m_pool;
    allocInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    allocInfo.commandBufferCount = 1;
    check(vkAllocateCommandBuffers(m_device, &allocInfo, &m_commands), "vkAllocateCommandBuffers");
    auto fenceInfo = make<VkFenceCreateInfo>(VK_STRUCTURE_TYPE_FENCE_CREATE_INFO);
    check(vkCreateFence(m_device, &fenceInfo, nullptr, &m_fence), "vkCreateFence");
    createTimestampPool(choice.queueFamily);
}

void Device::chooseKernels(const VkPhysicalDeviceSubgroupProperties& subgroups) {
    const KernelOptions options = kernelOptionsFromEnvironment();
    const SubgroupSupport support{subgroups.subgroupSize, subgroups.supportedStages,
                                  subgroups.supportedOperations};
    m_choices.placement = chooseMemoryPlacement(m_memory, options.forceStaging);
    m_choices.groupLayout = chooseGroupLayout(support, options.groupLayout);
    m_choices.subgroupSize = subgroups.subgroupSize;
    m_choices.division = chooseDivisionPath(m_properties.deviceType, options.division);
}

void Device::createTimestampPool(uint32_t queueFamily) {
    uint32_t count = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(m_physical, &count, nullptr);
    std::vector<VkQueueFamilyProperties> families(count);
    vkGetPhysicalDeviceQueueFamilyProperties(m_physical, &count, families.data());
    if (queueFamily >= count || families[queueFamily].timestampValidBits == 0 ||
        m_properties.limits.timestampPeriod <= 0)
        return;
    auto info = make<VkQueryPoolCreateInfo>(VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO);
    info.queryType = VK_QUERY_TYPE_TIMESTAMP;
    info.queryCount = 2;
    if (vkCreateQueryPool(m_device, &info, nullptr, &m_timestamps) != VK_SUCCESS)
        m_timestamps = VK_NULL_HANDLE; // timing is optional
    m_timestampPeriodNs = m_properties.limits.timestampPeriod;
}

void Device::addTimestampSeconds() {
    uint64_t ticks[2] = {0, 0};
    if (!m_timestamps ||
        vkGetQueryPoolResults(m_device, m_timestamps, 0, 2, sizeof ticks, ticks, sizeof(uint64_t),
                              VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) != VK_SUCCESS)
        return;
    if (ticks[1] > ticks[0])
        m_deviceSeconds += double(ticks[1] - ticks[0]) * m_timestampPeriodNs * 1e-9;
}

Device::~Device() {
    if (!m_device)
        return;
    vkDeviceWaitIdle(m_device);
    m_pipelineCache.reset();
    if (m_timestamps)
        vkDestroyQueryPool(m_device, m_timestamps, nullptr);
    if (m_fence)
        vkDestroyFence(m_device, m_fence, nullptr);
    if (m_pool)
        vkDestroyCommandPool(m_device, m_pool, nullptr);
    vkDestroyDevice(m_device, nullptr);
}

namespace {

void recordBarrier(VkCommandBuffer commands, VkPipelineStageFlags srcStage, VkAccessFlags srcAccess,
                   VkPipelineStageFlags dstStage, VkAccessFlags dstAccess) {
    auto barrier = make<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
    barrier.srcAccessMask = srcAccess;
    barrier.dstAccessMask = dstAccess;
    vkCmdPipelineBarrier(commands, srcStage, dstStage, 0, 1, &barrier, 0, nullptr, 0, nullptr);
}

} // namespace

void Device::submitAndWait(const Submission& submission) {
    check(vkResetCommandBuffer(m_commands, 0), "vkResetCommandBuffer");
    auto begin = make<VkCommandBufferBeginInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO);
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    check(vkBeginCommandBuffer(m_commands, &begin), "vkBeginCommandBuffer");
    if (m_timestamps)
        vkCmdResetQueryPool(m_commands, m_timestamps, 0, 2);
    if (submission.upload) {
        submission.upload(m_commands);
        recordBarrier(m_commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    }
    // A timestamp latches once every earlier command has passed the given stage: at the
    // bottom of the pipe, after the uploads have finished; the end one after the kernels.
    if (m_timestamps)
        vkCmdWriteTimestamp(m_commands,
                            submission.upload ? VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT
                                              : VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT,
                            m_timestamps, 0);
    submission.kernel(m_commands);
    if (m_timestamps)
        vkCmdWriteTimestamp(m_commands, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, m_timestamps, 1);
    if (submission.download) {
        recordBarrier(m_commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                      VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
        submission.download(m_commands);
        recordBarrier(m_commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                      VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    }
    check(vkEndCommandBuffer(m_commands), "vkEndCommandBuffer");

    if (m_failSubmit > 0 && --m_failSubmit == 0)
        check(VK_ERROR_DEVICE_LOST, "vkQueueSubmit (fault injected for testing)");
    check(vkResetFences(m_device, 1, &m_fence), "vkResetFences");
    auto submit = make<VkSubmitInfo>(VK_STRUCTURE_TYPE_SUBMIT_INFO);
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &m_commands;
    check(vkQueueSubmit(m_queue, 1, &submit, m_fence), "vkQueueSubmit");
    check(vkWaitForFences(m_device, 1, &m_fence, VK_TRUE, kFenceTimeoutNs), "vkWaitForFences");
    addTimestampSeconds();
}

} // namespace ql::vk
