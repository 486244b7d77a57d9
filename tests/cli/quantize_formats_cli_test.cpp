// quantlens-cli with the HQQ formats, an importance matrix and a MoE model, as a user runs
// it.
#include "engine/model/gguf_writer.h"
#include "engine/model/safetensors_writer.h"
#include "engine/quant/imatrix_file.h"
#include "tests/common/cli_runner.h"
#include "tests/common/golden_files.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using ql::test::CliResult;
using ql::test::runCli;
using ql::test::shellQuote;

TEST(CliFormats, ListsHqqWithItsBitsPerWeight) {
    const CliResult r = runCli("formats --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    int found = 0;
    for (const auto& f : nlohmann::json::parse(r.out)) {
        const std::string name = f["name"];
        if (name.rfind("hqq-", 0) != 0)
            continue;
        ++found;
        EXPECT_EQ(f["method"], "hqq");
        EXPECT_EQ(f["group_size"], 64);
        EXPECT_EQ(f["scheme"], "asym");
        EXPECT_EQ(f["zero_point_bits"], 16);
        // code bits + fp16 scale + fp16 zero per 64 weights
        EXPECT_DOUBLE_EQ(f["bits_per_weight"].get<double>(), f["bits"].get<double>() + 0.5);
    }
    EXPECT_EQ(found, 4);
}

TEST(CliFormats, QuantizesStories260KWithHqq) {
    QL_REQUIRE_DATA();
    const CliResult r = runCli("quantize " + shellQuote(ql::test::stories260K()) +
                               " --format hqq-int4-g64 --device auto --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["method"], "hqq");
    EXPECT_EQ(j["parameters"]["hqq"]["iterations"], 20);
    EXPECT_NEAR(j["parameters"]["hqq"]["kappa"].get<double>(), 1.01, 1e-6);
    EXPECT_EQ(j["parameters"]["hqq"]["round_zero"], true); // BaseQuantizeConfig at 4 bits
    EXPECT_EQ(j["parameters"]["symmetric"], false);
    EXPECT_EQ(j["parameters"]["zero_point_dtype"], "f16");
    ASSERT_EQ(j["tensors"].size(), 37u);
    for (const auto& t : j["tensors"]) {
        EXPECT_EQ(t["storage_format"], "hqq-int4-g64") << t["tensor"];
        // HQQ stays on the CPU even when a Vulkan device is there.
        EXPECT_NE(t["backend"].get<std::string>().find("cpu"), std::string::npos);
    }
}

TEST(CliFormats, QuantizeWithAnImatrixRecordsItsHash) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const auto golden = ql::test::dataDir() / "golden" / "quant";
    const auto x = ql::test::readFloats(golden / "gauss.f32");
    std::vector<std::byte> bytes(x.size() * 4);
    std::memcpy(bytes.data(), x.data(), bytes.size());
    ql::writeSafetensors(dir / "g.safetensors", {{"gauss.weight", "F32", {8, 512}, bytes}});
    ql::Imatrix m;
    m.format = ql::ImatrixFormat::Legacy;
    m.entries.push_back(
        {"gauss.weight", ql::test::readFloats(golden / "gauss.imatrix.f32"), 1, {}});
    ql::writeImatrixLegacy(dir / "g.imatrix", m);
    const CliResult r =
        runCli("quantize " + shellQuote(dir / "g.safetensors") +
               " --format q4_k --device cpu --json --imatrix " + shellQuote(dir / "g.imatrix"));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["parameters"]["imatrix"]["file"], "g.imatrix");
    EXPECT_EQ(j["parameters"]["imatrix"]["xxh64"].get<std::string>().size(), 16u);
    // The importance-weighted RMSE: the manifest's weighted_rmse of llama.cpp's run
    // (0.0004839224307, which divides by the 8 rows twice) times sqrt(8).
    const auto& weighted = j["tensors"][0]["importance_weighted_rmse"];
    ASSERT_TRUE(weighted.is_number()) << j["tensors"][0].dump();
    EXPECT_NEAR(weighted.get<double>() / std::sqrt(8.0), 0.0004839224307, 1e-12);
    // A truncated file: an error naming it and the offset, nothing on stdout.
    std::filesystem::resize_file(dir / "g.imatrix", 100);
    const CliResult bad =
        runCli("quantize " + shellQuote(dir / "g.safetensors") +
               " --format q4_k --device cpu --imatrix " + shellQuote(dir / "g.imatrix"));
    EXPECT_NE(bad.exitCode, 0);
    EXPECT_NE(bad.err.find("g.imatrix"), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find("at byte"), std::string::npos) << bad.err;
    EXPECT_TRUE(bad.out.empty());
}

// q4_k-lsq end to end: the same Q4_K storage and bytes per tensor as q4_k, an RMSE no
// worse on both golden inputs, parameters that say whose search it is, the backend auto
// picks for q4_k (it has a shader too), an imatrix refused with the format named, and
// --weigh-with instead: quantized without it, each tensor it covers weighed by it.
TEST(CliFormats, Q4KLsqQuantizesNoWorseThanQ4KAndSaysWhoseBytes) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const auto golden = ql::test::dataDir() / "golden" / "quant";
    std::vector<ql::SafetensorsTensor> tensors;
    for (const char* name : {"gauss", "outliers"}) {
        const auto x = ql::test::readFloats(golden / (std::string(name) + ".f32"));
        std::vector<std::byte> bytes(x.size() * 4);
        std::memcpy(bytes.data(), x.data(), bytes.size());
        tensors.push_back({std::string(name) + ".weight", "F32", {8, 512}, bytes});
    }
    ql::writeSafetensors(dir / "g.safetensors", tensors);
    const auto run = [&](const std::string& format) {
        const CliResult r = runCli("quantize " + shellQuote(dir / "g.safetensors") + " --format " +
                                   format + " --device auto --json");
        EXPECT_EQ(r.exitCode, 0) << r.err;
        return nlohmann::json::parse(r.out);
    };
    const auto lsq = run("q4_k-lsq"), ggml = run("q4_k");
    EXPECT_EQ(lsq["method"], "quantlens-lsq");
    EXPECT_EQ(lsq["parameters"]["symmetric"], false);
    EXPECT_NE(lsq["parameters"]["rounding"].get<std::string>().find("not llama.cpp's bytes"),
              std::string::npos);
    EXPECT_EQ(ggml["parameters"]["rounding"], "as llama.cpp's reference quantizer");
    EXPECT_EQ(lsq["total_bytes"], ggml["total_bytes"]);
    ASSERT_EQ(lsq["tensors"].size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
        const auto& t = lsq["tensors"][i];
        EXPECT_EQ(t["storage_format"], "q4_k-lsq");
        EXPECT_EQ(t["bits_per_weight"], 4.5);
        EXPECT_EQ(t["backend"], ggml["tensors"][i]["backend"]);
        EXPECT_LE(t["rmse"].get<double>(), ggml["tensors"][i]["rmse"].get<double>()) << t["tensor"];
    }
    ql::Imatrix m;
    m.format = ql::ImatrixFormat::Legacy;
    m.entries.push_back({"gauss.weight", std::vector<float>(512, 1.0f), 1, {}});
    ql::writeImatrixLegacy(dir / "g.imatrix", m);
    const CliResult refused =
        runCli("quantize " + shellQuote(dir / "g.safetensors") +
               " --format q4_k-lsq --device cpu --imatrix " + shellQuote(dir / "g.imatrix"));
    EXPECT_NE(refused.exitCode, 0);
    EXPECT_NE(refused.err.find("q4_k-lsq has no importance-weighted encoder"), std::string::npos)
        << refused.err;
    EXPECT_NE(refused.err.find("--weigh-with"), std::string::npos) << refused.err;

    const std::string weighWith = "quantize " + shellQuote(dir / "g.safetensors") +
                                  " --format q4_k-lsq --device cpu --weigh-with " +
                                  shellQuote(dir / "g.imatrix");
    const CliResult weighedJson = runCli(weighWith + " --json");
    ASSERT_EQ(weighedJson.exitCode, 0) << weighedJson.err;
    EXPECT_NE(weighedJson.err.find("no entry for 1 tensor(s), not weighed: outliers.weight"),
              std::string::npos)
        << weighedJson.err;
    const auto weighed = nlohmann::json::parse(weighedJson.out);
    EXPECT_EQ(weighed["tensors"][0]["rmse"], lsq["tensors"][0]["rmse"]); // not encoded with it
    // All-ones weights: the weighted RMSE is the plain one (up to the order of the sums).
    EXPECT_NEAR(weighed["tensors"][0]["importance_weighted_rmse"].get<double>(),
                lsq["tensors"][0]["rmse"].get<double>(), 1e-12);
    EXPECT_TRUE(weighed["tensors"][1]["importance_weighted_rmse"].is_null());
    EXPECT_EQ(weighed["parameters"]["weighed_by"]["file"], "g.imatrix");
    EXPECT_FALSE(weighed["parameters"].contains("imatrix"));
    const CliResult weighedText = runCli(weighWith);
    ASSERT_EQ(weighedText.exitCode, 0) << weighedText.err;
    EXPECT_NE(weighedText.out.find("w_rmse"), std::string::npos) << weighedText.out;
    EXPECT_NE(weighedText.out.find("the encoders did not use it"), std::string::npos)
        << weighedText.out;
}

// A MoE GGUF: the expert stack is quantized as rows, the router is kept as stored and the
// output says so (text and --json), with the stack's shape in rows x columns.
TEST(CliFormats, QuantizeMoeStackKeepsTheRouterAndSaysSo) {
    ql::test::TempDir dir;
    std::vector<float> stack(size_t(4 * 16 * 64)), router(size_t(4 * 64));
    for (size_t i = 0; i < stack.size(); ++i)
        stack[i] = 0.01f * float(int(i % 97) - 48);
    for (size_t i = 0; i < router.size(); ++i)
        router[i] = 0.001f * float(i % 13);
    ql::GgufWriter w;
    w.addTensorF32("blk.0.ffn_up_exps.weight", {4, 16, 64}, ql::DType::F32, stack);
    w.addTensorF32("blk.0.ffn_gate_inp.weight", {4, 64}, ql::DType::F32, router);
    w.write(dir / "moe.gguf");
    const std::string args =
        "quantize " + shellQuote(dir / "moe.gguf") + " --format q8_0 --device cpu";
    const CliResult j = runCli(args + " --json");
    ASSERT_EQ(j.exitCode, 0) << j.err;
    const auto json = nlohmann::json::parse(j.out);
    ASSERT_EQ(json["tensors"].size(), 1u);
    EXPECT_EQ(json["tensors"][0]["tensor"], "blk.0.ffn_up_exps.weight");
    EXPECT_EQ(json["tensors"][0]["shape"], nlohmann::json::array({64, 64}));
    ASSERT_EQ(json["kept_as_stored"].size(), 1u);
    EXPECT_EQ(json["kept_as_stored"][0]["tensor"], "blk.0.ffn_gate_inp.weight");
    EXPECT_EQ(json["kept_as_stored"][0]["reason"], "a MoE router (expert gating)");
    // Q8_0 stack (64 rows of two 34-byte blocks) plus the F32 router as stored.
    EXPECT_EQ(json["total_bytes"], 64 * 2 * 34 + 4 * 64 * 4);
    const CliResult t = runCli(args);
    ASSERT_EQ(t.exitCode, 0) << t.err;
    EXPECT_NE(t.out.find("1 tensors kept as stored (names llama-quantize keeps, or already "
                         "quantized):\n"
                         "  blk.0.ffn_gate_inp.weight (a MoE router (expert gating))"),
              std::string::npos)
        << t.out;
}

} // namespace
