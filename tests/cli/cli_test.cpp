// quantlens-cli as a user runs it: a real process, real files, exit codes and stderr.
#include "engine/model/gguf_writer.h"
#include "engine/model/safetensors_writer.h"
#include "tests/common/cli_runner.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>

namespace {

using ql::test::CliResult;
using ql::test::runCli;

std::string quoted(const std::filesystem::path& p) {
    return ql::test::shellQuote(p);
}

TEST(Cli, InspectStories260KAsJson) {
    QL_REQUIRE_DATA();
    const CliResult r = runCli("inspect --json " + quoted(ql::test::stories260K()));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["tensor_count"], 48);
    EXPECT_EQ(j["parameters"], 292800);
    EXPECT_EQ(j["config"]["layers"], 5);
    EXPECT_EQ(j["config"]["heads"], 8);
    EXPECT_EQ(j["config"]["kv_heads"], 4);
    EXPECT_EQ(j["config"]["vocab_size"], 512);
    EXPECT_EQ(j["config"]["feed_forward"], 172);
}

// GGUF strings are bytes: a metadata string and a tensor name that are not UTF-8 made
// `inspect --json` and `quantize --json` fail with nlohmann's type_error 316, which named
// neither file nor field. Every command's JSON now goes through one printer
// (app/cli/json_output.h), which prints U+FFFD in their place.
TEST(Cli, JsonOutputPrintsNamesThatAreNotUtf8) {
    ql::test::TempDir dir;
    ql::GgufWriter w;
    w.setString("general.architecture", "llama");
    w.setString("general.name", "bad\xffname");
    w.addTensorF32("blk.0.\xfe.weight", {4, 64}, ql::DType::F32, std::vector<float>(256, 0.5f));
    w.write(dir / "bytes.gguf");
    const std::string replaced = "blk.0.\xEF\xBF\xBD.weight";

    CliResult r = runCli("inspect --json " + quoted(dir / "bytes.gguf"));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["tensor_count"], 1);
    EXPECT_NE(r.out.find(replaced), std::string::npos) << r.out;

    r = runCli("quantize " + quoted(dir / "bytes.gguf") + " --format int8 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["tensors"].size(), 1u);
    EXPECT_EQ(j["tensors"][0]["tensor"], replaced);
}

TEST(Cli, QuantizeInt4IntoAWorkspacePrintsEveryTensor) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const CliResult r = runCli("quantize " + quoted(ql::test::stories260K()) +
                               " --format int4-g128 --device cpu --json --workspace " +
                               quoted(dir / "ws.quantlens"));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["format"], "int4-g128");
    ASSERT_EQ(j["tensors"].size(), 37u);
    for (const auto& t : j["tensors"]) {
        EXPECT_GT(t["rmse"].get<double>(), 0.0);
        EXPECT_LT(t["rel_frobenius"].get<double>(), 0.5);
        EXPECT_NE(t["backend"].get<std::string>().find("cpu"), std::string::npos);
    }
    EXPECT_TRUE(std::filesystem::exists(dir / "ws.quantlens"));
}

double sumOf(const nlohmann::json& values, const char* field = nullptr) {
    double sum = 0;
    for (const auto& v : values)
        sum += field ? v[field].get<double>() : v.get<double>();
    return sum;
}

TEST(Cli, QuantizeJsonCarriesTheErrorAnalysisAndRanking) {
    QL_REQUIRE_DATA();
    const CliResult r = runCli("quantize " + quoted(ql::test::stories260K()) +
                               " --format q4_0 --device cpu --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["histogram_bins"]["error"]["edges"].size(), 31u);
    EXPECT_TRUE(j["histogram_bins"]["error"]["edges"].back().is_null()); // +inf
    for (const auto& t : j["tensors"]) {
        const auto& a = t["analysis"];
        const double n = t["shape"][0].get<double>() * t["shape"][1].get<double>();
        EXPECT_EQ(sumOf(a["error_histogram"]), n) << t["tensor"];
        EXPECT_EQ(sumOf(a["weight_histogram"]), n) << t["tensor"];
        EXPECT_GE(a["outliers"]["share_3_sigma"].get<double>(),
                  a["outliers"]["share_6_sigma"].get<double>());
        EXPECT_LE(a["outliers"]["top_rows"].size(), 8u);
        // Q4_0 spends 0.5 bits per weight on its fp16 scale per 32; ffn_down's 172 columns
        // fall back to another format, whose metadata is what its code bits leave.
        EXPECT_DOUBLE_EQ(a["metadata_bits_per_weight"].get<double>(),
                         t["bits_per_weight"].get<double>() - a["code_bits"].get<double>());
        if (t["storage_format"] == "q4_0") {
            EXPECT_DOUBLE_EQ(a["metadata_bits_per_weight"].get<double>(), 0.5) << t["tensor"];
        }
    }
    const auto& s = j["sensitivity"];
    EXPECT_EQ(s["by_block"].size(), 7u);
    EXPECT_EQ(s["by_kind"].size(), 9u);
    EXPECT_NEAR(sumOf(s["by_block"], "share"), 1.0, 1e-9);
    EXPECT_NEAR(sumOf(s["by_kind"], "share"), 1.0, 1e-9);
    EXPECT_NEAR(sumOf(s["by_tensor"], "share"), 1.0, 1e-9);
}

TEST(Cli, QuantizesABareSafetensorsFileWithoutConfig) {
    ql::test::TempDir dir;
    std::vector<float> w(24 * 40);
    for (size_t i = 0; i < w.size(); ++i)
        w[i] = float((i * 37) % 101) / 101.0f - 0.5f;
    std::vector<std::byte> bytes(w.size() * 4);
    std::memcpy(bytes.data(), w.data(), bytes.size());
    ql::writeSafetensors(
        dir / "weights.safetensors",
        {{"a.weight", "F32", {24, 40}, bytes},
         {"b.bias", "F32", {40}, std::vector<std::byte>(bytes.begin(), bytes.begin() + 160)}});
    const CliResult r = runCli("quantize " + quoted(dir / "weights.safetensors") +
                               " --format int8 --device cpu --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["tensors"].size(), 1u);
    EXPECT_EQ(j["tensors"][0]["tensor"], "a.weight");
    EXPECT_EQ(j["tensors"][0]["kind"], "a");
    EXPECT_EQ(sumOf(j["tensors"][0]["analysis"]["error_histogram"]), 960.0);
    EXPECT_DOUBLE_EQ(j["sensitivity"]["by_kind"][0]["share"].get<double>(), 1.0);
    // The text output names the same ranking.
    const CliResult text =
        runCli("quantize " + quoted(dir / "weights.safetensors") + " --format int8 --device cpu");
    ASSERT_EQ(text.exitCode, 0) << text.err;
    EXPECT_NE(text.out.find("Where the error sits"), std::string::npos) << text.out;
}

TEST(Cli, TruncatedModelFailsWithFileNameOnStderr) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const auto cut = dir / "cut.gguf";
    {
        std::ifstream in(ql::test::stories260K(), std::ios::binary);
        std::vector<char> bytes(5000);
        in.read(bytes.data(), std::streamsize(bytes.size()));
        std::ofstream(cut, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    }
    const CliResult r = runCli("inspect " + quoted(cut));
    EXPECT_NE(r.exitCode, 0);
    EXPECT_NE(r.err.find("cut.gguf"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
}

TEST(Cli, UnknownFormatIsAnError) {
    const CliResult r = runCli("quantize /nonexistent.gguf --format int7");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.err.find("int7"), std::string::npos) << r.err;
}

TEST(Cli, FormatsListsEveryFormatWithItsConvention) {
    const CliResult r = runCli("formats --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    std::map<std::string, nlohmann::json> byName;
    for (const auto& f : j)
        byName[f["name"].get<std::string>()] = f;
    // Bits per weight worked by hand from the block layouts.
    const std::map<std::string, double> expected{{"int4-g128", 4.125}, {"f16", 16.0}, {"q8_0", 8.5},
                                                 {"q4_0", 4.5},        {"q4_1", 5.0}, {"q5_0", 5.5},
                                                 {"q5_1", 6.0},        {"int8", 8.0}};
    for (const auto& [name, bpw] : expected) {
        ASSERT_TRUE(byName.count(name)) << name;
        EXPECT_DOUBLE_EQ(byName[name]["bits_per_weight"].get<double>(), bpw) << name;
    }
    EXPECT_NE(byName["int8"]["convention"].get<std::string>().find("absmax/127"),
              std::string::npos);
}

} // namespace
