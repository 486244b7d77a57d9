#pragma once
// Why a format has no Vulkan kernel, in words for the log, the job record and the
// conformance suite's skips.
#include "engine/quant/formats.h"

#include <string>

namespace ql::vk {

std::string whyNoVulkanKernel(QuantFormat format);

} // namespace ql::vk
