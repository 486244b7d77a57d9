#pragma once
// The Vulkan device failed while running a job: device lost, out of device or host
// memory, or a fence that never signalled. The job should rerun on the CPU; the backend
// that threw reports itself unsupported from then on. Deliberately free of <vulkan.h>
// so that job code can catch it.
#include "engine/core/error.h"

namespace ql {

class VulkanFault : public Error {
public:
    using Error::Error;
};

} // namespace ql
