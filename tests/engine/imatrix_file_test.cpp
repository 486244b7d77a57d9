// Importance-matrix files (llama-imatrix's legacy .dat and GGUF): a legacy file assembled
// byte by byte from the documented layout reads to the vectors worked by hand, both
// formats round-trip, bad files name the file, the field and the byte offset, and
// quantizing through the job with a file made from golden/quant's gauss.imatrix.f32 gives
// exactly the bytes llama.cpp's quantizer wrote with that importance vector.
#include "engine/core/error.h"
#include "engine/jobs/quantize_job.h"
#include "engine/model/gguf_writer.h"
#include "engine/model/safetensors_writer.h"
#include "engine/quant/imatrix_file.h"
#include "tests/common/golden_files.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ql {
namespace {

void put32(std::vector<std::byte>& b, int32_t v) {
    const auto* p = reinterpret_cast<const std::byte*>(&v);
    b.insert(b.end(), p, p + 4);
}
void putF(std::vector<std::byte>& b, float v) {
    const auto* p = reinterpret_cast<const std::byte*>(&v);
    b.insert(b.end(), p, p + 4);
}
void putText(std::vector<std::byte>& b, const std::string& s) {
    put32(b, int32_t(s.size()));
    for (char c : s)
        b.push_back(std::byte(c));
}

void writeBytes(const std::filesystem::path& path, const std::vector<std::byte>& b) {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

// Two entries and the trailer, as llama-imatrix's save_imatrix_legacy lays them out.
std::vector<std::byte> handBuiltLegacy() {
    std::vector<std::byte> b;
    put32(b, 2);
    putText(b, "blk.0.attn_q.weight"); // 19 bytes: values start at 4+4+19+4+4 = 35
    put32(b, 4);                       // ncall
    put32(b, 3);                       // nval
    for (float v : {4.0f, 8.0f, 12.0f})
        putF(b, v);
    putText(b, "output.weight");
    put32(b, 0); // ncall 0: llama-quantize leaves the values as they are
    put32(b, 2);
    putF(b, 5.0f);
    putF(b, 6.0f);
    put32(b, 10); // chunk count
    putText(b, "wiki.train.raw");
    return b;
}

std::string errorOf(const std::filesystem::path& path) {
    try {
        readImatrix(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(ImatrixFile, HandBuiltLegacyFileReadsToTheVectorsByHand) {
    test::TempDir dir;
    writeBytes(dir / "a.dat", handBuiltLegacy());
    const Imatrix m = readImatrix(dir / "a.dat");
    EXPECT_EQ(m.format, ImatrixFormat::Legacy);
    ASSERT_EQ(m.entries.size(), 2u);
    const ImatrixEntry* q = m.find("blk.0.attn_q.weight");
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->ncall, 4);
    EXPECT_EQ(q->importance(m.format), (std::vector<float>{1.0f, 2.0f, 3.0f})); // / ncall
    EXPECT_EQ(m.find("output.weight")->importance(m.format), (std::vector<float>{5.0f, 6.0f}));
    EXPECT_EQ(m.find("blk.1.attn_q.weight"), nullptr);
    EXPECT_TRUE(m.hasTrailer);
    EXPECT_EQ(m.chunkCount, 10);
    EXPECT_EQ(m.datasets, std::vector<std::string>{"wiki.train.raw"});
    EXPECT_EQ(legacyImatrixBytes(m), handBuiltLegacy());
}

TEST(ImatrixFile, LegacyWithoutTrailerReads) {
    test::TempDir dir;
    auto b = handBuiltLegacy();
    b.resize(b.size() - 4 - 4 - 14); // drop chunk count and dataset name
    writeBytes(dir / "a.dat", b);
    const Imatrix m = readImatrix(dir / "a.dat");
    EXPECT_FALSE(m.hasTrailer);
    EXPECT_TRUE(m.datasets.empty());
    EXPECT_EQ(legacyImatrixBytes(m), b);
}

TEST(ImatrixFile, TruncatedLegacyNamesTheFieldAndOffset) {
    test::TempDir dir;
    const auto full = handBuiltLegacy();
    auto cut = full;
    cut.resize(40); // inside the first entry's values (bytes 35..46)
    writeBytes(dir / "cut.dat", cut);
    const std::string e = errorOf(dir / "cut.dat");
    EXPECT_NE(e.find("cut.dat"), std::string::npos) << e;
    EXPECT_NE(e.find("entry 1 ('blk.0.attn_q.weight') values"), std::string::npos) << e;
    EXPECT_NE(e.find("at byte 35"), std::string::npos) << e;
    // Every shorter prefix is an error too, never a crash or a silent partial read.
    for (size_t n = 0; n + 1 < full.size(); ++n) {
        if (n == 4 + 8 + 19 + 12 + 8 + 8 + 13 + 8) // after both entries: a file without trailer
            continue;
        cut.assign(full.begin(), full.begin() + ptrdiff_t(n));
        writeBytes(dir / "cut.dat", cut);
        EXPECT_NE(errorOf(dir / "cut.dat").find("at byte"), std::string::npos) << n;
    }
}

TEST(ImatrixFile, BadSizesAreErrorsWithOffsets) {
    test::TempDir dir;
    auto b = handBuiltLegacy();
    const int32_t zero = 0;
    std::memcpy(b.data() + 31, &zero, 4); // nval of entry 1
    writeBytes(dir / "nval.dat", b);
    std::string e = errorOf(dir / "nval.dat");
    EXPECT_NE(e.find("nval is 0"), std::string::npos) << e;
    EXPECT_NE(e.find("at byte 31"), std::string::npos) << e;
    b = handBuiltLegacy();
    const int32_t huge = 1 << 30;
    std::memcpy(b.data() + 4, &huge, 4); // name length of entry 1
    writeBytes(dir / "name.dat", b);
    e = errorOf(dir / "name.dat");
    EXPECT_NE(e.find("entry 1 name length is 1073741824"), std::string::npos) << e;
    EXPECT_NE(e.find("at byte 4"), std::string::npos) << e;
    std::memcpy(b.data(), &zero, 4); // no entries
    writeBytes(dir / "empty.dat", b);
    EXPECT_NE(errorOf(dir / "empty.dat").find("entry count is 0"), std::string::npos);
}

Imatrix sampleGguf() {
    Imatrix m;
    m.format = ImatrixFormat::Gguf;
    m.chunkCount = 12;
    m.chunkSize = 512;
    m.datasets = {"a.txt", "b.txt"};
    // Two matrices (experts): the second never saw a token.
    m.entries.push_back({"blk.0.ffn_up_exps.weight", {2, 4, 6, 1, 1, 1}, 0, {2, 0}});
    m.entries.push_back({"blk.0.attn_k.weight", {3, 6}, 0, {3}});
    return m;
}

TEST(ImatrixFile, GgufRoundTripsAndNormalisesByCounts) {
    test::TempDir dir;
    writeImatrixGguf(dir / "m.gguf", sampleGguf());
    const Imatrix m = readImatrix(dir / "m.gguf");
    EXPECT_EQ(m.format, ImatrixFormat::Gguf);
    EXPECT_EQ(m.chunkCount, 12);
    EXPECT_EQ(m.chunkSize, 512u);
    EXPECT_EQ(m.datasets, (std::vector<std::string>{"a.txt", "b.txt"}));
    ASSERT_EQ(m.entries.size(), 2u);
    EXPECT_EQ(m.entries[0].name, "blk.0.attn_k.weight"); // sorted, as llama-quantize reads
    const ImatrixEntry* up = m.find("blk.0.ffn_up_exps.weight");
    ASSERT_NE(up, nullptr);
    EXPECT_EQ(up->values, sampleGguf().entries[0].values);
    EXPECT_EQ(up->counts, (std::vector<float>{2, 0}));
    EXPECT_EQ(up->importance(m.format), (std::vector<float>{1, 2, 3, 1, 1, 1}));
    EXPECT_EQ(m.find("blk.0.attn_k.weight")->importance(m.format), (std::vector<float>{1, 2}));
}

TEST(ImatrixFile, LegacyRoundTripsThroughTheWriter) {
    test::TempDir dir;
    Imatrix m;
    m.format = ImatrixFormat::Legacy;
    m.entries.push_back({"t.weight", {0.1f, 0.2f, 0.3f}, 7, {}});
    m.hasTrailer = true;
    m.chunkCount = 3;
    m.datasets = {"calib.txt"};
    writeImatrixLegacy(dir / "m.dat", m);
    const Imatrix r = readImatrix(dir / "m.dat");
    ASSERT_EQ(r.entries.size(), 1u);
    EXPECT_EQ(r.entries[0].values, m.entries[0].values);
    EXPECT_EQ(r.entries[0].ncall, 7);
    EXPECT_EQ(r.chunkCount, 3);
    EXPECT_EQ(r.datasets, m.datasets);
}

TEST(ImatrixFile, GgufWithoutItsMetadataOrCountsIsAnError) {
    test::TempDir dir;
    GgufWriter w;
    w.setString("general.type", "imatrix");
    w.addTensorF32("x.in_sum2", {1, 4}, DType::F32, std::vector<float>{1, 2, 3, 4});
    w.write(dir / "nokeys.gguf");
    EXPECT_NE(errorOf(dir / "nokeys.gguf").find("'imatrix.datasets' is missing"),
              std::string::npos);
    w.set("imatrix.datasets", MetaValue::ofArray(GgufType::String, {}));
    w.setUint32("imatrix.chunk_count", 1);
    w.setUint32("imatrix.chunk_size", 512);
    w.write(dir / "nocounts.gguf");
    const std::string e = errorOf(dir / "nocounts.gguf");
    EXPECT_NE(e.find("nocounts.gguf"), std::string::npos) << e;
    EXPECT_NE(e.find("'x' has in_sum2 but no counts"), std::string::npos) << e;
    w.addTensorF32("x.counts", {3, 1}, DType::F32, std::vector<float>{1, 1, 1});
    w.write(dir / "ragged.gguf");
    EXPECT_NE(errorOf(dir / "ragged.gguf").find("3 counts for the 4 values"), std::string::npos);
}

// ---- through the quantize job -----------------------------------------------------------

std::filesystem::path goldenDir() {
    return test::dataDir() / "golden" / "quant";
}

// gauss.f32 (8 x 512) as the one tensor of a safetensors file, named as the imatrix entry.
std::filesystem::path gaussModel(const test::TempDir& dir) {
    const auto x = test::readFloats(goldenDir() / "gauss.f32");
    std::vector<std::byte> bytes(x.size() * 4);
    std::memcpy(bytes.data(), x.data(), bytes.size());
    writeSafetensors(dir / "gauss.safetensors", {{"gauss.weight", "F32", {8, 512}, bytes}});
    return dir / "gauss.safetensors";
}

struct JobResult {
    QuantizeOutcome outcome;
    std::vector<std::byte> packed;
    std::string warnings;
};

JobResult quantizeWith(const std::filesystem::path& model, QuantFormat format,
                       const std::filesystem::path& imatrix) {
    Workspace ws(":memory:");
    BackendSet backends(BackendSet::Preference::Cpu);
    JobContext ctx;
    JobResult r;
    QuantizeRequest request{model, format, {}};
    request.imatrixPath = imatrix;
    request.chunkWeights = 3 * 512; // chunks of three rows: the bytes must not care
    request.onChunk = [&](const std::string&, int64_t, const QuantizedTensor& q) {
        r.packed.insert(r.packed.end(), q.packed.begin(), q.packed.end());
    };
    r.outcome = quantizeModel(request, ws, backends, ctx);
    r.warnings = ctx.warnings();
    return r;
}

std::vector<std::byte> goldenBytes(const std::string& name) {
    const auto c = test::readBytes(goldenDir() / name);
    std::vector<std::byte> b(c.size());
    std::memcpy(b.data(), c.data(), c.size());
    return b;
}

TEST(ImatrixFile, QuantizeJobWithGaussImatrixGivesLlamaCppsBytes) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const auto model = gaussModel(dir);
    const auto w = test::readFloats(goldenDir() / "gauss.imatrix.f32");
    ASSERT_EQ(w.size(), 512u);
    // Legacy with ncall 1 (values stored as they are used) and GGUF with count 2 (in_sum2
    // holds twice the mean: the division gives the golden vector back exactly).
    Imatrix legacy;
    legacy.format = ImatrixFormat::Legacy;
    legacy.entries.push_back({"gauss.weight", w, 1, {}});
    writeImatrixLegacy(dir / "gauss.imatrix.dat", legacy);
    Imatrix gguf;
    gguf.entries.push_back({"gauss.weight", w, 0, {2.0f}});
    for (float& v : gguf.entries[0].values)
        v *= 2.0f;
    writeImatrixGguf(dir / "gauss.imatrix.gguf", gguf);
    for (const char* file : {"gauss.imatrix.dat", "gauss.imatrix.gguf"}) {
        SCOPED_TRACE(file);
        for (const auto& [format, golden] :
             {std::pair{QuantFormat::Q4_K, "gauss.Q4_K.imatrix.bin"},
              std::pair{QuantFormat::IQ4_NL, "gauss.IQ4_NL.imatrix.bin"},
              std::pair{QuantFormat::Q4_0, "gauss.Q4_0.imatrix.bin"}}) {
            const JobResult r = quantizeWith(model, format, dir / file);
            EXPECT_EQ(r.packed, goldenBytes(golden)) << golden;
            EXPECT_TRUE(r.warnings.empty()) << r.warnings;
            const auto p = nlohmann::json::parse(r.outcome.variant.parameters);
            EXPECT_EQ(p["imatrix"]["xxh64"], hashFiles({dir / file}));
            EXPECT_EQ(p["imatrix"]["file"], file);
        }
    }
    // Without the importance the bytes differ: the vector was used, not ignored.
    const JobResult plain = quantizeWith(model, QuantFormat::Q4_K, {});
    EXPECT_NE(plain.packed, goldenBytes("gauss.Q4_K.imatrix.bin"));
    EXPECT_EQ(nlohmann::json::parse(plain.outcome.variant.parameters).count("imatrix"), 0u);
}

// Q4_1, Q5_0 and Q5_1 have no golden with importance: their importance-weighted bytes must
// lower the importance-weighted error against the plain encoder's on the gauss input (the
// goldens' weighted_rmse: sum w (deq - x)^2 over rows * sum w).
TEST(ImatrixFile, LegacyTypesLowerTheWeightedErrorWithImportance) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const auto model = gaussModel(dir);
    const auto x = test::readFloats(goldenDir() / "gauss.f32");
    const auto w = test::readFloats(goldenDir() / "gauss.imatrix.f32");
    Imatrix m;
    m.format = ImatrixFormat::Legacy;
    m.entries.push_back({"gauss.weight", w, 1, {}});
    writeImatrixLegacy(dir / "g.dat", m);
    const auto weighted = [&](const QuantizeOutcome&, const std::vector<std::byte>& bytes,
                              QuantFormat f) {
        QuantizedTensor q;
        q.resize(f, 8, 512);
        q.packed = bytes;
        const auto d = q.dequantize();
        double sum = 0.0;
        for (size_t i = 0; i < d.size(); ++i)
            sum += double(w[i % 512]) * (double(d[i]) - x[i]) * (double(d[i]) - x[i]);
        return sum;
    };
    for (QuantFormat f :
         {QuantFormat::Q4_0, QuantFormat::Q4_1, QuantFormat::Q5_0, QuantFormat::Q5_1}) {
        const JobResult with = quantizeWith(model, f, dir / "g.dat");
        const JobResult without = quantizeWith(model, f, {});
        EXPECT_LT(weighted(with.outcome, with.packed, f),
                  weighted(without.outcome, without.packed, f))
            << quantFormatInfo(f).name;
    }
}

TEST(ImatrixFile, VectorLengthDisagreeingWithColumnsIsAnError) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const auto model = gaussModel(dir);
    Imatrix m;
    m.format = ImatrixFormat::Legacy;
    m.entries.push_back({"gauss.weight", std::vector<float>(256, 1.0f), 1, {}});
    writeImatrixLegacy(dir / "short.dat", m);
    try {
        quantizeWith(model, QuantFormat::Q4_K, dir / "short.dat");
        FAIL() << "no error";
    } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("short.dat"), std::string::npos) << what;
        EXPECT_NE(what.find("'gauss.weight' has 256 values"), std::string::npos) << what;
        EXPECT_NE(what.find("512 columns"), std::string::npos) << what;
    }
}

TEST(ImatrixFile, FormatsWithoutAnImportanceEncoderRefuseIt) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const auto model = gaussModel(dir);
    writeBytes(dir / "a.dat", handBuiltLegacy());
    EXPECT_THROW(quantizeWith(model, QuantFormat::Q8_0, dir / "a.dat"), Error); // as ggml
    EXPECT_THROW(quantizeWith(model, QuantFormat::Int8PerChannel, dir / "a.dat"), Error);
    // A file without this tensor: quantized without importance, and the user is told.
    const JobResult r = quantizeWith(model, QuantFormat::Q4_K, dir / "a.dat");
    EXPECT_NE(r.warnings.find("no entry for 1 tensor(s)"), std::string::npos) << r.warnings;
    EXPECT_EQ(r.packed, goldenBytes("gauss.Q4_K.bin"));
}

} // namespace
} // namespace ql
