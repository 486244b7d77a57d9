#pragma once
// The scale searches behind ggml's K-quant encoders (ggml-quants.c: make_qx_quants,
// make_q3_quants, make_qkx2_quants, make_qkx3_quants, make_qp_quants), rewritten from
// their published formulas. The float operations keep ggml's order and its rounding
// (nearestInt is its 1.5 * 2^23 trick, round half to even) so that the encoders built
// on them produce ggml's bytes; -ffp-contract=off keeps the compiler from fusing them.
#include <cstdint>
#include <cstring>

namespace ql::kquant {

// Below this a group counts as all zeros (ggml's GROUP_MAX_EPS).
constexpr float kGroupMaxEps = 1e-15f;

// Round to nearest, ties to even, for |v| <= 4194303, exactly as ggml's nearest_int.
inline int nearestInt(float v) {
    const float shifted = v + 12582912.0f;
    int32_t bits;
    std::memcpy(&bits, &shifted, sizeof bits);
    return (bits & 0x007fffff) - 0x00400000;
}

// Symmetric grid [-nmax, nmax-1] with a weighted least-squares scale and a sweep of 18
// nearby inverse scales. weights null: w = x^2 (ggml's rmse_type 1). L gets codes + nmax.
float symmetricScaleSearch(int n, int nmax, const float* x, int8_t* L, const float* weights);

// make_q3_quants with do_rmse: w = x^2, then up to five passes that move single codes
// while that raises the fitted signal. L gets codes + nmax.
float symmetricScaleRefine(int n, int nmax, const float* x, int8_t* L);

// Asymmetric grid [0, nmax] with a min <= 0: the first fit from min/max, then nstep+1
// candidate inverse scales (rmin + rdelta * is + nmax) / (max - min), each refitted by
// weighted least squares on scale and min, keeping the lowest weighted error (absolute
// error when useMad). Returns the scale; *negMin gets -min.
struct AsymmetricSearch {
    float rmin, rdelta;
    int nstep;
    bool useMad;
};
float asymmetricScaleSearch(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                            float* negMin, uint8_t* Laux, AsymmetricSearch s);
// make_qkx3_quants: the same search where a candidate's codes come from a clamped value
// (robust when min sits near max); used by the importance-weighted encoders.
float asymmetricScaleSearchRobust(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                                  float* negMin, uint8_t* Laux, AsymmetricSearch s);

// Non-negative grid [0, nmax] for the sub-block scales themselves (make_qp_quants),
// weighted by quantWeights.
float positiveScaleSearch(int n, int nmax, const float* x, uint8_t* L, const float* quantWeights);

// The importance-weighted encoders' weights imp * sqrt(sigma2 + x^2) for n values, sigma2 =
// factor * (sum x^2, in order) / n as each encoder sets it (Q2_K 1, Q3_K/Q4_K/Q5_K 2), and
// their sums per group of `group` values (sw, in order).
void importanceWeights(int n, const float* x, const float* imp, float sigma2Factor, int group,
                       float* weights, float* sw);
// weights[j] = imp[j] * sqrt(sigma2 + x[j]^2) for n values, four at a time (the same IEEE
// operations as the scalar formula, so the same bits).
void weightsFromImportance(int64_t n, const float* x, const float* imp, float sigma2,
                           float* weights);

// The searches above over `count` consecutive groups of n values (x and weights laid out
// group after group, codes likewise), run in vector lanes where the CPU has them: each
// takes as many whole lane-groups as it can and returns how many groups it did (a
// multiple of its lane count, maybe 0; none for group lengths other than 16 and 32, for
// asymmetric searches without weights or candidates), bit for bit what the scalar search
// gives.
// kquant_encode_fast.cpp has one per instruction set (laneSearches).
struct LaneSearches {
    int (*asymmetric)(int count, int n, const float* x, const float* weights, int nmax,
                      AsymmetricSearch s, bool robust, float* scales, float* negMins, uint8_t* L);
    int (*symmetric)(int count, int n, const float* x, const float* weights, int nmax,
                     float* scales, int8_t* L);
    int (*refine)(int count, int n, const float* x, int nmax, float* scales, int8_t* L);
};

// Every group of such a run: those `lanes` takes (null: none), then the scalar search for
// the rest. robust picks asymmetricScaleSearchRobust; weights null means x^2 as above.
void asymmetricScaleSearches(const LaneSearches* lanes, int count, int n, const float* x,
                             const float* weights, int nmax, AsymmetricSearch s, bool robust,
                             float* scales, float* negMins, uint8_t* L);
void symmetricScaleSearches(const LaneSearches* lanes, int count, int n, const float* x,
                            const float* weights, int nmax, float* scales, int8_t* L);
void symmetricScaleRefines(const LaneSearches* lanes, int count, int n, const float* x, int nmax,
                           float* scales, int8_t* L);

} // namespace ql::kquant
