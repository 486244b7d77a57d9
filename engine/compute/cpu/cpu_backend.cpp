#include "engine/compute/backend.h"
#include "engine/compute/cpu/quantize_cpu.h"
#include "engine/core/parallel.h"
#include "engine/quant/formats.h"
#include "engine/quant/hqq.h"
#include "engine/quant/imatrix_quantize.h"

#include <algorithm>
#include <string>

namespace ql {
namespace {

// QuantizedTensor::resize without its zero fill of codes, scales and zero points: the CPU
// path writes every one of them (each group's codes, scale and zero point), and filling
// 16 MiB of codes first cost a 4096 x 4096 int8 tensor about a sixth of its time, on one
// thread while the other waited. cpu_output_reuse_test pins that stale bytes never leak.
void prepareOutput(QuantFormat format, int64_t rows, int64_t cols, QuantizedTensor& out) {
    const auto& info = quantFormatInfo(format);
    if (info.kind == QuantKind::Block) // resize already keeps a reused buffer unfilled
        return out.resize(format, rows, cols);
    out.format = format;
    out.rows = rows;
    out.cols = cols;
    out.doubleQuant = {};
    out.packed.clear();
    out.codes.resize(size_t(rows * cols));
    out.scales.resize(size_t(rows * groupsPerRow(format, cols)));
    out.zeros.resize(info.zeroBits > 0 ? out.scales.size() : 0);
}

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
        if (isHqqFormat(format)) { // groups over threads and lanes, the same codes as ref
            quantizeHqq(format, src, rows, cols, out, {}, m_threads, detectedSimdLevel());
            out.backend = label();
            return;
        }
        prepareOutput(format, rows, cols, out);
        out.backend = label();
        quantizeTensorCpu(format, src, rows, cols, out, m_threads);
    }

    Support supportsImportance(QuantFormat format, int64_t, int64_t) const override {
        if (takesImportance(format))
            return Support::yes();
        return Support::no(std::string(quantFormatInfo(format).name) +
                           " has no importance-weighted encoder");
    }

    void quantizeWithImportance(QuantFormat format, std::span<const float> src, int64_t rows,
                                int64_t cols, const ImportanceInput& importance,
                                QuantizedTensor& out) override {
        ql::quantizeWithImportance(format, src, rows, cols, importance.weights, out, m_threads,
                                   importance.layout, detectedSimdLevel());
        out.backend = label();
    }

private:
    int m_threads;
};

} // namespace

std::unique_ptr<ComputeBackend> makeCpuBackend(int threads) {
    return std::make_unique<CpuBackend>(threads);
}

} // namespace ql
