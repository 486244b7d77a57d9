#pragma once
// Why a format has no Vulkan kernel, in words for the log, the job record and the
// conformance suite's skips.
#include "engine/quant/formats.h"

#include <string>

namespace ql::vk {

std::string whyNoVulkanKernel(QuantFormat format);

// What the host finishes after a device pass, as a suffix of the backend label ("" when the
// device computes everything): the double quantization of nf4-dq / fp4-dq's absmax.
std::string hostStepsOf(QuantFormat format);

} // namespace ql::vk
