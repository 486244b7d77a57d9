#pragma once
// A small deterministic Llama-shaped model for the demo workspace and for tests that
// want a model with the statistics of a real one (heavy tails, outlier input channels)
// without shipping weights. Same bytes on every platform and every run.
#include <cstdint>
#include <filesystem>

namespace ql {

struct DemoModelShape {
    int64_t nEmbd = 256;
    int64_t nLayer = 4;
    int64_t nHead = 8;
    int64_t nHeadKv = 4;
    int64_t nFf = 688;
    int64_t vocab = 1024;
    int64_t context = 1024;
};

// The input channels (columns) of attn_q/k/v and ffn_gate/up that carry outliers, and
// their scale relative to the other columns.
inline constexpr int64_t kDemoOutlierColumns[] = {7, 77, 141, 230};
inline constexpr float kDemoOutlierScales[] = {12.0f, 18.0f, 25.0f, 30.0f};
// Standard deviation of ordinary weights (Student-t, 4 degrees of freedom).
inline constexpr double kDemoWeightStd = 0.02;

DemoModelShape demoModelShape();
void writeDemoModel(const std::filesystem::path& ggufPath);

} // namespace ql
