#include "engine/model/det_random.h"

#include <cmath>

namespace ql {
namespace {

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

constexpr double kInvOdd[] = {1.0,      1.0 / 3,  1.0 / 5,  1.0 / 7,  1.0 / 9,  1.0 / 11,
                              1.0 / 13, 1.0 / 15, 1.0 / 17, 1.0 / 19, 1.0 / 21, 1.0 / 23};

uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

} // namespace

DetRandom::DetRandom(uint64_t seed) {
    for (auto& s : m_s)
        s = splitmix64(seed);
}

DetRandom DetRandom::forName(std::string_view name, uint64_t seed) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (char c : name)
        h = (h ^ uint8_t(c)) * 0x100000001b3ull;
    return DetRandom(h ^ seed);
}

uint64_t DetRandom::next() {
    const uint64_t result = rotl(m_s[1] * 5, 7) * 9;
    const uint64_t t = m_s[1] << 17;
    m_s[2] ^= m_s[0];
    m_s[3] ^= m_s[1];
    m_s[1] ^= m_s[2];
    m_s[0] ^= m_s[3];
    m_s[2] ^= t;
    m_s[3] = rotl(m_s[3], 45);
    return result;
}

double DetRandom::uniform() {
    return (double(next() >> 11) + 0.5) * 0x1.0p-53;
}

double DetRandom::normal() {
    if (m_hasSpare) {
        m_hasSpare = false;
        return m_spare;
    }
    for (;;) {
        const double u = 2.0 * uniform() - 1.0;
        const double v = 2.0 * uniform() - 1.0;
        const double s = u * u + v * v;
        if (s >= 1.0 || s == 0.0)
            continue;
        const double f = std::sqrt(-2.0 * detLog(s) / s);
        m_spare = v * f;
        m_hasSpare = true;
        return u * f;
    }
}

double DetRandom::studentT4() {
    // Bailey's polar method (Math. Comp. 62, 1994): T = U sqrt(nu (W^(-2/nu) - 1) / W).
    // With nu = 4 the power is 1/sqrt(W): no logarithm, only IEEE-exact operations.
    for (;;) {
        const double u = 2.0 * uniform() - 1.0;
        const double v = 2.0 * uniform() - 1.0;
        const double w = u * u + v * v;
        if (w > 1.0 || w == 0.0)
            continue;
        return u * std::sqrt(4.0 * (1.0 / std::sqrt(w) - 1.0) / w);
    }
}

double detLog(double x) {
    int e = 0;
    double m = std::frexp(x, &e); // exact: m in [0.5, 1)
    if (m < 0.70710678118654752) {
        m *= 2.0;
        --e;
    }
    // ln m = 2 atanh(z) = 2 z (1 + z^2/3 + z^4/5 + ...), z = (m-1)/(m+1), |z| < 0.172:
    // twelve terms reach double precision. Horner form, coefficients fixed at compile time.
    const double z = (m - 1.0) / (m + 1.0);
    const double z2 = z * z;
    constexpr int kTerms = 12;
    double sum = 1.0 / (2 * kTerms - 1);
    for (int k = kTerms - 2; k >= 0; --k)
        sum = sum * z2 + kInvOdd[k];
    sum *= z;
    return 2.0 * sum + e * 0.69314718055994531;
}

} // namespace ql
