#pragma once
// A random generator whose output is the same on every platform and standard library:
// xoshiro256** seeded through splitmix64, and normals from Marsaglia's polar method with
// a logarithm computed here from + - * / and sqrt only (IEEE-exact operations), since
// std::normal_distribution and libm's log/cos differ between implementations.
#include <cstdint>
#include <string_view>

namespace ql {

class DetRandom {
public:
    explicit DetRandom(uint64_t seed);
    // Seeds from a name (FNV-1a), so that each tensor has its own stream.
    static DetRandom forName(std::string_view name, uint64_t seed);

    uint64_t next();
    double uniform(); // in (0, 1), never 0 or 1
    double normal();
    // Student-t with 4 degrees of freedom (variance 2): the heavy tails of LLM weights,
    // from + - * / and sqrt alone, so cheap and identical everywhere.
    double studentT4();

private:
    uint64_t m_s[4];
    double m_spare = 0;
    bool m_hasSpare = false;
};

// Natural logarithm of x > 0, deterministic (see above); accurate to about 1 ulp.
double detLog(double x);

} // namespace ql
