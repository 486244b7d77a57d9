#include "engine/quant/analysis_row.h"

#include <algorithm>
#include <cmath>

namespace ql {

void AnalysisTally::addCountsTo(std::vector<int64_t>& errors, std::vector<int64_t>& weights) const {
    for (int c = 0; c < kCopies; ++c) {
        for (size_t i = 0; i < errors.size(); ++i)
            errors[i] += errorCopies[size_t(c * kErrorStride) + i];
        for (size_t i = 0; i < weights.size(); ++i)
            weights[i] += weightCopies[size_t(c * kWeightStride) + i];
    }
}

RowOutliers analyseRowReference(const AnalysisBins& b, const float* w, const float* q, int64_t cols,
                                RunningErrorSums& s, AnalysisTally& tally) {
    RowOutliers row;
    for (int64_t j = 0; j < cols; ++j)
        analysis_detail::analyseWeight(b, w[j], q[j], j, s, tally, row);
    s.count += double(cols);
    return row;
}

#if !defined(__x86_64__)
bool analysisHasAvx512() {
    return false;
}

RowOutliers analyseRowAvx512(const AnalysisBins& b, const float* w, const float* q, int64_t cols,
                             RunningErrorSums& s, AnalysisTally& tally) {
    return analyseRowReference(b, w, q, cols, s, tally);
}
#endif

RowOutliers analyseRow(const AnalysisBins& b, const float* w, const float* q, int64_t cols,
                       RunningErrorSums& s, AnalysisTally& tally) {
    static const bool avx512 = analysisHasAvx512();
    if (avx512 && b.errorGuessValid)
        return analyseRowAvx512(b, w, q, cols, s, tally);
    return analyseRowReference(b, w, q, cols, s, tally);
}

} // namespace ql
