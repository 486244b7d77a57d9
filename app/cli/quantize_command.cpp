#include "app/cli/commands.h"
#include "app/cli/output.h"
#include "engine/core/error.h"
#include "engine/jobs/quantize_job.h"

#include <iostream>

namespace ql::cli {
namespace {

BackendSet makeBackends(const std::string& device) {
    if (device == "auto")
        return BackendSet(BackendSet::Preference::Auto);
    if (device == "cpu")
        return BackendSet(BackendSet::Preference::Cpu);
    if (device.rfind("vulkan", 0) == 0) {
        int index = -1;
        if (device.size() > 7 && device[6] == ':')
            index = std::stoi(device.substr(7));
        BackendSet set(BackendSet::Preference::Vulkan, index);
        if (!set.vulkan())
            throw Error("--device " + device + ": " + set.vulkanMessage());
        return set;
    }
    throw Error("--device " + device + ": expected auto, cpu, vulkan or vulkan:N");
}

} // namespace

int runQuantize(const QuantizeOptions& options) {
    const auto format = quantFormatFromName(options.format);
    if (!format)
        throw Error("--format " + options.format + ": unknown format; 'quantlens-cli formats' "
                                                   "lists them");
    BackendSet backends = makeBackends(options.device);
    Workspace workspace(options.workspace.empty() ? ":memory:" : options.workspace);
    JobContext ctx;
    const QuantizeOutcome outcome =
        quantizeModel({options.model, *format, {}}, workspace, backends, ctx);
    if (const std::string w = ctx.warnings(); !w.empty())
        std::cerr << "quantlens-cli: warning: " << w << "\n";
    if (options.json)
        std::cout << quantizeJson(outcome, backends.summary()).dump(2) << "\n";
    else
        printQuantizeResult(std::cout, outcome, backends.summary());
    return 0;
}

} // namespace ql::cli
