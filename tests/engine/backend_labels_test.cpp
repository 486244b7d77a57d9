// The variant's backend label: each tensor's label once, with the host's share of a device
// run summed over tensors instead of repeated once per count (engine/jobs/backend_labels.h).
#include "engine/jobs/backend_labels.h"

#include <gtest/gtest.h>

namespace ql {
namespace {

const std::string kDevice = "vulkan (llvmpipe (LLVM 15.0.6, 256 bits))";

std::string hostNote(int n, const std::string& unit, const std::string& why) {
    return kDevice + " + host (" + std::to_string(n) + " " + unit + " " + why + ")";
}

TEST(BackendLabels, SumsTheHostsShareOverTensors) {
    const std::string why = "the Lp shrink acts on or outside the shader's exact range";
    const std::vector<std::string> tensors{
        hostNote(12, "groups", why), hostNote(1, "group", why), kDevice, kDevice,
        hostNote(12, "groups", why), // the same count again: a tensor of its own
    };
    EXPECT_EQ(combineBackendLabels(tensors, "; ", "tensors"),
              kDevice + "; " + kDevice + " + host (25 groups " + why + ", in 3 tensors)");
}

TEST(BackendLabels, KeepsUnitsReasonsAndDevicesApart) {
    const std::string outside = "outside the shader's exact range";
    const std::vector<std::string> chunks{
        hostNote(2, "super-blocks", outside),
        hostNote(1, "super-block", outside),
        hostNote(4, "blocks", outside),
        "cpu (2 threads)",
        "vulkan (llvmpipe (LLVM 15.0.6, 256 bits)) + host (absmax double quantization)",
    };
    EXPECT_EQ(combineBackendLabels(chunks, ", ", "chunks"),
              "cpu (2 threads), " + kDevice + " + host (3 super-blocks " + outside +
                  ", in 2 chunks), " + kDevice + " + host (4 blocks " + outside + "), " + kDevice +
                  " + host (absmax double quantization)");
}

// The weighted legacy kernels' label names a host step of the format before the note.
TEST(BackendLabels, TheLastHostNoteIsTheOneSummed) {
    const std::string base = kDevice + " + host (row mean squares)";
    const std::string why = "outside the shader's exact range";
    const std::vector<std::string> chunks{base + " + host (2 blocks " + why + ")",
                                          base + " + host (5 blocks " + why + ")", base};
    EXPECT_EQ(combineBackendLabels(chunks, "; ", "chunks"),
              base + "; " + base + " + host (7 blocks " + why + ", in 2 chunks)");
}

TEST(BackendLabels, OneNoteIsUnchangedAndNothingGivesNothing) {
    const std::string one = hostNote(1, "group", "the Lp shrink acts on");
    EXPECT_EQ(combineBackendLabels({one}, "; ", "tensors"), one);
    EXPECT_EQ(combineBackendLabels({}, "; ", "tensors"), "");
    EXPECT_EQ(combineBackendLabels({"cpu (2 threads)", "cpu (2 threads)"}, "; ", "tensors"),
              "cpu (2 threads)");
}

} // namespace
} // namespace ql
