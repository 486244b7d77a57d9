// Outlier share and location against a tensor worked by hand.
#include "engine/quant/outliers.h"

#include <cmath>
#include <gtest/gtest.h>

namespace ql {
namespace {

// 8 x 50 weights: +1 on even flat indices and -1 on odd ones, except four:
//   (2, 5) = 6 (flat 105), (5, 5) = -6 (255), (5, 30) = 6 (280), (7, 30) = 30 (380).
// Two specials replace odd and two replace even positions, so 198 are +1 and 198 are -1.
//   sum = 6 - 6 + 6 + 30 = 36, mean = 0.09
//   sum w^2 = 396 + 36 + 36 + 36 + 900 = 1404, E[w^2] = 3.51
//   sigma = sqrt(3.51 - 0.09^2) = sqrt(3.5019) = 1.871336...
//   3 sigma = 5.614, 6 sigma = 11.228
// |6 - 0.09| = 5.91 and |-6 - 0.09| = 6.09 exceed 3 sigma; |30 - 0.09| = 29.91 exceeds
// 6 sigma; |+-1 - 0.09| <= 1.09 exceeds nothing. So 4 outliers at k = 3 (1 %) and 1 at
// k = 6 (0.25 %).
std::vector<float> handWorked() {
    std::vector<float> w(400);
    for (size_t i = 0; i < w.size(); ++i)
        w[i] = i % 2 == 0 ? 1.0f : -1.0f;
    w[105] = 6.0f;
    w[255] = -6.0f;
    w[280] = 6.0f;
    w[380] = 30.0f;
    return w;
}

TEST(AnalysisOutliers, MomentsMatchTheHandWorkedExample) {
    WeightMoments m;
    m.add(handWorked());
    EXPECT_EQ(m.count(), 400);
    EXPECT_NEAR(m.mean(), 0.09, 1e-15);
    EXPECT_NEAR(m.sigma(), std::sqrt(3.5019), 1e-12);
}

TEST(AnalysisOutliers, ShareAndLocationMatchTheHandWorkedExample) {
    const auto w = handWorked();
    WeightMoments m;
    m.add(w);
    OutlierCounter counter(8, 50, m.mean(), m.sigma());
    counter.addRows(0, w);
    const OutlierSummary s = counter.finish();
    EXPECT_EQ(s.weights, 400);
    EXPECT_EQ(s.beyondK3, 4);
    EXPECT_EQ(s.beyondK6, 1);
    EXPECT_DOUBLE_EQ(s.shareK3(), 0.01);
    EXPECT_DOUBLE_EQ(s.shareK6(), 0.0025);
    EXPECT_EQ(s.rowsWithK6, 1);
    EXPECT_EQ(s.colsWithK6, 1);
    // Rows: 7 holds the 6-sigma one; then 5 (two at 3 sigma), then 2 (one).
    const std::vector<OutlierLocation> rows{{7, 1, 1}, {5, 2, 0}, {2, 1, 0}};
    EXPECT_EQ(s.topRows, rows);
    // Columns: 30 holds the 6-sigma one and a 3-sigma one; 5 holds two 3-sigma ones.
    const std::vector<OutlierLocation> cols{{30, 2, 1}, {5, 2, 0}};
    EXPECT_EQ(s.topCols, cols);
}

TEST(AnalysisOutliers, CountsDoNotDependOnChunking) {
    const auto w = handWorked();
    WeightMoments m;
    m.add(w);
    OutlierCounter whole(8, 50, m.mean(), m.sigma());
    whole.addRows(0, w);
    OutlierCounter chunked(8, 50, m.mean(), m.sigma());
    chunked.addRows(0, std::span(w).first(150));       // rows 0..2
    chunked.addRows(3, std::span(w).subspan(150, 50)); // row 3
    chunked.addRows(4, std::span(w).subspan(200));     // rows 4..7
    EXPECT_EQ(chunked.finish(), whole.finish());
}

TEST(AnalysisOutliers, TopListsKeepAtMostEight) {
    // A 20-sigma spike in each of 12 rows; every row and column list is cut at 8.
    std::vector<float> w(12 * 100, 0.0f);
    for (int r = 0; r < 12; ++r)
        w[size_t(r * 100 + r)] = 1.0f;
    WeightMoments m;
    m.add(w);
    OutlierCounter counter(12, 100, m.mean(), m.sigma());
    counter.addRows(0, w);
    const OutlierSummary s = counter.finish();
    EXPECT_EQ(s.beyondK6, 12);
    EXPECT_EQ(s.topRows.size(), kOutlierTopCount);
    EXPECT_EQ(s.topCols.size(), kOutlierTopCount);
    EXPECT_EQ(s.topRows[0].index, 0); // ties by index
    EXPECT_EQ(s.rowsWithK6, 12);
}

TEST(AnalysisOutliers, ConstantTensorHasNone) {
    const std::vector<float> w(30, 2.5f);
    WeightMoments m;
    m.add(w);
    EXPECT_EQ(m.sigma(), 0.0);
    OutlierCounter counter(3, 10, m.mean(), m.sigma());
    counter.addRows(0, w);
    EXPECT_EQ(counter.finish().beyondK3, 0);
}

} // namespace
} // namespace ql
