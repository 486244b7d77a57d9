#include "tests/common/golden_files.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace ql::test {

std::vector<char> readBytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read golden file " + path.string());
    return {std::istreambuf_iterator<char>(in), {}};
}

std::vector<float> readFloats(const std::filesystem::path& path) {
    const auto bytes = readBytes(path);
    if (bytes.size() % sizeof(float) != 0)
        throw std::runtime_error(path.string() + ": size is not a whole number of f32 values");
    std::vector<float> values(bytes.size() / sizeof(float));
    std::memcpy(values.data(), bytes.data(), bytes.size());
    return values;
}

const std::vector<GoldenInput>& quantGoldenInputs() {
    static const std::vector<GoldenInput> inputs{{"gauss", 8, 512},
                                                 {"outliers", 8, 512},
                                                 {"edge", 4, 256},
                                                 {"real_attn_q", 64, 64},
                                                 {"real_ffn_gate", 172, 64},
                                                 {"real_attn_q_flat256", 16, 256},
                                                 {"real_ffn_gate_flat256", 43, 256}};
    return inputs;
}

} // namespace ql::test
