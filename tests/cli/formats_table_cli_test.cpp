// quantlens-cli formats and quantize against the format table itself (engine/quant/
// formats.h): every format is listed, in text and --json, with the bits per weight the
// table's quantizedBytes gives, and every one quantizes a real file end to end.
#include "engine/model/safetensors_writer.h"
#include "engine/quant/formats.h"
#include "tests/common/cli_runner.h"
#include "tests/common/temp_dir.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace {

using nlohmann::json;
using ql::test::CliResult;
using ql::test::runCli;

constexpr int64_t kSide = 4096; // the shape `formats` quotes bits per weight at

double tableBitsPerWeight(const ql::QuantFormatInfo& f) {
    return 8.0 * double(ql::quantizedBytes(f.format, kSide, kSide)) / double(kSide * kSide);
}

std::map<std::string, json> formatsJson() {
    const CliResult r = runCli("formats --json");
    EXPECT_EQ(r.exitCode, 0) << r.err;
    std::map<std::string, json> byName;
    for (const auto& f : json::parse(r.out))
        byName[f["name"].get<std::string>()] = f;
    return byName;
}

// "plus 24/columns": the metadata bits stored once per row.
int perRowBits(const std::string& note) {
    return std::stoi(note.substr(5)); // after "plus "
}

// The shape-free figure: exact where metadata is per block or group; else the code bits,
// with a note whose per-row or per-tensor metadata gives back the 4096 x 4096 figure.
void expectShapeFreeBitsPerWeight(const ql::QuantFormatInfo& f, const json& j) {
    const std::string note = j["bits_per_weight_note"];
    const double bpw = j["bits_per_weight"], quoted = tableBitsPerWeight(f);
    if (note == "exact") {
        EXPECT_DOUBLE_EQ(bpw, quoted) << f.name;
    } else if (note == "plus one scale per tensor") {
        EXPECT_EQ(bpw, double(f.bits)) << f.name;
        const double tensorBits = (quoted - bpw) * double(kSide * kSide);
        EXPECT_GE(tensorBits, 16.0) << f.name;
        EXPECT_LE(tensorBits, 64.0) << f.name;
    } else {
        ASSERT_TRUE(note.starts_with("plus ") && note.ends_with("/columns")) << f.name << note;
        EXPECT_EQ(bpw, double(f.bits)) << f.name;
        EXPECT_DOUBLE_EQ(bpw + perRowBits(note) / double(kSide), quoted) << f.name << " " << note;
    }
}

TEST(CliFormatsTable, JsonListsEveryFormatWithTheTablesBitsPerWeight) {
    auto byName = formatsJson();
    EXPECT_EQ(byName.size(), ql::quantFormats().size());
    for (const auto& f : ql::quantFormats()) {
        const std::string name(f.name);
        ASSERT_TRUE(byName.count(name)) << name;
        const json& j = byName[name];
        EXPECT_EQ(j["bits"], f.bits) << name;
        EXPECT_EQ(j["group_size"], f.groupSize) << name;
        EXPECT_EQ(j["method"], f.method) << name;
        EXPECT_EQ(j["convention"], f.convention) << name;
        EXPECT_EQ(j["zero_point_bits"], f.zeroBits) << name;
        EXPECT_EQ(j["double_quant"], f.doubleQuant) << name;
        EXPECT_DOUBLE_EQ(j["bits_per_weight_4096x4096"].get<double>(), tableBitsPerWeight(f))
            << name;
        expectShapeFreeBitsPerWeight(f, j);
    }
}

// Worked by hand from the block layouts and the stored scales, not from the table.
TEST(CliFormatsTable, BitsPerWeightWorkedByHand) {
    auto byName = formatsJson();
    const double n = double(kSide * kSide);
    const std::map<std::string, double> shapeFree{
        {"q8_0", 34 * 8 / 32.0},                  // fp16 d + 32 int8
        {"q4_k", 144 * 8 / 256.0},                // 4.5
        {"q6_k", 210 * 8 / 256.0},                // 6.5625
        {"q2_k", 84 * 8 / 256.0},                 // 2.625
        {"iq4_nl", 18 * 8 / 32.0},                // 4.5
        {"nf4", 4 + 32 / 64.0},                   // f32 absmax per 64
        {"fp4", 4 + 32 / 64.0},                   //
        {"int4-g128", 4 + 16 / 128.0},            // fp16 scale per 128
        {"int4-g128-gptq", 4 + (16 + 4) / 128.0}, // fp16 scale + 4-bit qzero per 128
        {"hqq-int4-g64", 4 + (16 + 16) / 64.0},   // fp16 scale + fp16 zero per 64
        // 8-bit absmax per 64, then per 256 absmax an f32 absmax, plus one f32 mean
        {"nf4-dq", 4 + 8 / 64.0 + (4 * (n / 64 / 256) + 4) * 8 / n},
        {"int8", 8.0}, // + one fp16 scale per row
        {"fp8-e4m3", 8.0},
    };
    for (const auto& [name, bpw] : shapeFree) {
        ASSERT_TRUE(byName.count(name)) << name;
        EXPECT_DOUBLE_EQ(byName[name]["bits_per_weight"].get<double>(), bpw) << name;
    }
    EXPECT_DOUBLE_EQ(byName["int8"]["bits_per_weight_4096x4096"].get<double>(), 8 + 16.0 / kSide);
    EXPECT_DOUBLE_EQ(byName["fp8-e4m3"]["bits_per_weight_4096x4096"].get<double>(),
                     8 + 32.0 / kSide); // f32 scale per row
    EXPECT_EQ(byName["int8"]["bits_per_weight_note"], "plus 16/columns");
    EXPECT_EQ(byName["fp8-e4m3"]["bits_per_weight_note"], "plus 32/columns");
    // Asymmetric per channel: an fp16 scale and a 4-bit zero point per row, the zero points
    // packed over rows as GPTQ/AWQ pack qzeros over output channels.
    EXPECT_EQ(byName["int4-asym"]["bits_per_weight_note"], "plus 20/columns");
    EXPECT_DOUBLE_EQ(byName["int4-asym"]["bits_per_weight_4096x4096"].get<double>(),
                     4 + 20.0 / kSide);
    EXPECT_EQ(byName["int3-asym"]["bits_per_weight_note"], "plus 19/columns");
}

TEST(CliFormatsTable, TextListsEveryFormatWithBitsPerWeightAndConvention) {
    const CliResult r = runCli("formats");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    std::map<std::string, std::string> lines;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
        lines[line.substr(0, line.find(' '))] = line;
    EXPECT_EQ(lines.size(), ql::quantFormats().size() + 1); // and the header
    for (const auto& f : ql::quantFormats()) {
        const std::string name(f.name);
        ASSERT_TRUE(lines.count(name)) << name << "\n" << r.out;
        std::istringstream row(lines[name]);
        std::string listed, group, convention;
        int bits = 0;
        double bpw = 0;
        row >> listed >> bits >> group >> bpw >> std::ws;
        std::getline(row, convention);
        EXPECT_EQ(bits, f.bits) << name;
        if (f.groupSize > 0) {
            EXPECT_EQ(group, std::to_string(f.groupSize)) << name;
        }
        EXPECT_NEAR(bpw, tableBitsPerWeight(f), 5e-5) << name; // printed to 4 decimals
        EXPECT_EQ(convention, f.convention) << name;
    }
}

// Every format of the table quantizes a real safetensors file: exit 0, stored in that
// format (256 columns is a whole number of blocks of every format), its bytes as the table
// says, every metric present. No format is left unwired.
TEST(CliFormatsTable, QuantizeAcceptsEveryFormat) {
    ql::test::TempDir dir;
    constexpr int64_t rows = 4, cols = 256;
    std::vector<float> w(size_t(rows * cols));
    for (size_t i = 0; i < w.size(); ++i)
        w[i] = 0.05f * std::sin(0.37f * float(i)) + (i % 61 == 0 ? 0.4f : 0.0f);
    std::vector<std::byte> bytes(w.size() * 4);
    std::memcpy(bytes.data(), w.data(), bytes.size());
    ql::writeSafetensors(dir / "w.safetensors", {{"w.weight", "F32", {rows, cols}, bytes}});
    for (const auto& f : ql::quantFormats()) {
        const std::string name(f.name);
        ASSERT_EQ(ql::fallbackFormat(f.format, cols), f.format) << name;
        const CliResult r = runCli("quantize " + ql::test::shellQuote(dir / "w.safetensors") +
                                   " --format " + name + " --device cpu --json");
        ASSERT_EQ(r.exitCode, 0) << name << ": " << r.err;
        const json j = json::parse(r.out);
        EXPECT_EQ(j["format"], name);
        ASSERT_EQ(j["tensors"].size(), 1u) << name;
        const json& t = j["tensors"][0];
        EXPECT_EQ(t["storage_format"], name);
        EXPECT_EQ(t["bytes"].get<uint64_t>(), ql::quantizedBytes(f.format, rows, cols)) << name;
        EXPECT_EQ(j["total_bytes"], t["bytes"]) << name;
        for (const char* field : {"rmse", "rel_frobenius", "cosine", "max_abs_error"})
            EXPECT_TRUE(t[field].is_number()) << name << " " << field;
        EXPECT_LT(t["rel_frobenius"].get<double>(), 1.0) << name;
        EXPECT_TRUE(t["analysis"].is_object()) << name;
    }
}

} // namespace
