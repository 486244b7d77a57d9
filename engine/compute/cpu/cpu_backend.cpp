#include "engine/compute/backend.h"
#include "engine/compute/cpu/quantize_cpu.h"
#include "engine/core/parallel.h"
#include "engine/quant/hqq.h"

#include <algorithm>
#include <string>

namespace ql {
namespace {

class CpuBackend final : public ComputeBackend {
public:
    explicit CpuBackend(int threads)
        : m_threads(threads > 0 ? threads : defaultThreadCount()) {}

    std::string name() const override { return "cpu"; }
    std::string deviceName() const override {
        return std::to_string(m_threads) + (m_threads == 1 ? " thread" : " threads");
    }
    Support supports(QuantFormat, int64_t, int64_t) const override { return Support::yes(); }

    void quantize(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
                  QuantizedTensor& out) override {
        if (isHqqFormat(format)) { // the solver's groups over threads, same codes as ref
            quantizeHqq(format, src, rows, cols, out, {}, m_threads);
            out.backend = label();
            return;
        }
        out.resize(format, rows, cols);
        out.backend = label();
        quantizeTensorCpu(format, src, rows, cols, out, m_threads);
    }

private:
    int m_threads;
};

} // namespace

std::unique_ptr<ComputeBackend> makeCpuBackend(int threads) {
    return std::make_unique<CpuBackend>(threads);
}

} // namespace ql
