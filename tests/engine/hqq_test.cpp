// HQQ against RTN on the same asymmetric grid (same bits, groups of 64 along each row):
// on the real weights of stories260K its zero points must lower the weight error, both
// against Quantlens's asymmetric RTN format and against HQQ's own min/max starting point
// (zero rounds), so the gain is the solver's.
#include "engine/model/model.h"
#include "engine/quant/hqq.h"
#include "tests/common/test_data.h"

#include <cmath>
#include <gtest/gtest.h>

namespace ql {
namespace {

double squaredError(const std::vector<float>& x, const QuantizedTensor& q) {
    const auto y = q.dequantize();
    double sum = 0.0;
    for (size_t i = 0; i < x.size(); ++i)
        sum += (double(y[i]) - x[i]) * (double(y[i]) - x[i]);
    return sum;
}

TEST(Hqq, LowersWeightErrorAgainstRtnOnStories260K) {
    QL_REQUIRE_DATA();
    const auto model = Model::open(test::stories260K());
    for (const int bits : {2, 3, 4, 8}) {
        const QuantFormat rtnFormat = *intRtnFormat(bits, 64, QuantScheme::Asym);
        double hqqTotal = 0.0, rtnTotal = 0.0, startTotal = 0.0;
        int tensors = 0, better = 0;
        for (const auto& t : model->tensors()) {
            if (!t.isMatrix())
                continue;
            const auto x = model->readF32(t);
            QuantizedTensor rtn, hqq, start;
            quantizeReference(rtnFormat, x, t.rows(), t.cols(), rtn);
            const int rounds = quantizeHqq(x, t.rows(), t.cols(), bits, 64, hqq);
            EXPECT_GE(rounds, 1);
            EXPECT_LE(rounds, 20);
            EXPECT_EQ(hqq.format, rtnFormat);
            EXPECT_EQ(quantizeHqq(x, t.rows(), t.cols(), bits, 64, start, {0.7f, 10.0f, 1.01f, 0}),
                      0);
            startTotal += squaredError(x, start);
            const double e = squaredError(x, hqq), r = squaredError(x, rtn);
            hqqTotal += e;
            rtnTotal += r;
            better += e < r;
            ++tensors;
        }
        std::cout << "[ hqq ] " << bits << " bits, g64: RMSE ratio HQQ/RTN over the model "
                  << std::sqrt(hqqTotal / rtnTotal) << ", lower on " << better << " of " << tensors
                  << " tensors; HQQ/its min-max start " << std::sqrt(hqqTotal / startTotal) << "\n";
        EXPECT_LT(hqqTotal, rtnTotal) << bits << " bits";
        EXPECT_LT(hqqTotal, startTotal) << bits << " bits";
        EXPECT_GE(better, tensors * 3 / 4) << bits << " bits";
    }
}

} // namespace
} // namespace ql
