// Cut and corrupted copies of real and written files: Model::open must either succeed
// or throw ql::Error, never crash, hang or read out of bounds (run under ASan to check).
#include "engine/model/det_random.h"
#include "engine/model/gguf_writer.h"
#include "engine/model/model.h"
#include "engine/model/safetensors_writer.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"
#include "tests/engine/model_test_util.h"

#include <algorithm>
#include <gtest/gtest.h>

namespace ql {
namespace {

// Opens the file and reads every tensor; returns whether it opened.
bool openAndRead(const std::filesystem::path& path) {
    // (Each copy gets a fresh name: truncating a file in place costs milliseconds on
    // some file systems, fresh files microseconds.)
    try {
        const auto model = Model::open(path);
        for (const auto& t : model->tensors())
            (void)model->readF32(t);
        return true;
    } catch (const Error&) {
        return false;
    }
}

TEST(GgufTruncation, Stories260KCutAnywhere) {
    QL_REQUIRE_DATA();
    const auto bytes = test::readBytes(test::stories260K());
    uint64_t lastDataEnd = 0, dataStart = bytes.size();
    {
        const auto model = Model::open(test::stories260K());
        for (const auto& t : model->tensors()) {
            lastDataEnd = std::max(lastDataEnd, t.offset + t.nbytes);
            dataStart = std::min(dataStart, t.offset);
        }
    }
    std::vector<size_t> cuts;
    for (size_t c = 0; c < 1024; ++c) // header, first keys and values
        cuts.push_back(c);
    for (size_t c = 1024; c < dataStart; c += 7) // vocabulary arrays, tensor infos
        cuts.push_back(c);
    for (size_t c = size_t(dataStart); c < bytes.size(); c += 7919) // tensor data
        cuts.push_back(c);
    cuts.push_back(size_t(lastDataEnd) - 1);
    test::TempDir dir;
    int failed = 0;
    for (size_t cut : cuts) {
        const auto path = dir / ("stories-" + std::to_string(cut) + ".gguf");
        test::writeBytes(path, bytes, cut);
        const bool opened = openAndRead(path);
        if (cut > dataStart) // keep the scratch folder small; small copies go with it
            std::filesystem::remove(path);
        if (cut < lastDataEnd) {
            ASSERT_FALSE(opened) << "opened a copy cut at byte " << cut;
        }
        failed += opened ? 0 : 1;
    }
    EXPECT_EQ(failed, int(cuts.size()));
    EXPECT_TRUE(openAndRead(test::stories260K()));
}

// Random bytes changed in the metadata and tensor infos of a written file.
TEST(GgufTruncation, CorruptedBytesNeverCrash) {
    GgufWriter w;
    w.setString("general.architecture", "llama");
    w.set("tokenizer.ggml.tokens",
          MetaValue::ofArray(GgufType::String,
                             {MetaValue::ofString("a"), MetaValue::ofString("bc")}));
    w.set("nested",
          MetaValue::ofArray(
              GgufType::Array,
              {MetaValue::ofArray(GgufType::Int16, {MetaValue::ofInt(GgufType::Int16, 3)})}));
    w.addTensorF32("q8", {2, 32}, DType::Q8_0, std::vector<float>(64, 0.1f));
    w.addTensorF32("f16", {3, 4}, DType::F16, std::vector<float>(12, 0.2f));
    const auto clean = w.toBytes();
    const size_t headerEnd = test::find(clean, "f16") + 3 + 4 + 16 + 4 + 8;
    test::TempDir dir;
    DetRandom rng(7);
    int opened = 0;
    for (int round = 0; round < 3000; ++round) {
        const auto path = dir / ("fuzz-" + std::to_string(round) + ".gguf");
        auto bytes = clean;
        const int flips = 1 + int(rng.next() % 4);
        for (int f = 0; f < flips; ++f) {
            const size_t at = size_t(rng.next() % headerEnd);
            bytes[at] = std::byte(rng.next() & 0xff);
        }
        test::writeBytes(path, bytes,
                         rng.next() % 8 == 0 ? size_t(rng.next() % bytes.size()) : bytes.size());
        opened += openAndRead(path) ? 1 : 0;
        std::filesystem::remove(path);
    }
    EXPECT_GT(opened, 0); // some flips land in harmless places (string contents)
}

TEST(SafetensorsTruncation, CutAnywhere) {
    std::vector<SafetensorsTensor> tensors{
        {"a", "F32", {4, 8}, std::vector<std::byte>(128, std::byte{1})},
        {"b", "BF16", {8}, std::vector<std::byte>(16, std::byte{2})}};
    const auto bytes = safetensorsBytes(tensors, {{"format", "pt"}});
    test::TempDir dir;
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
        const auto path = dir / ("cut-" + std::to_string(cut) + ".safetensors");
        test::writeBytes(path, bytes, cut);
        ASSERT_FALSE(openAndRead(path)) << cut;
        std::filesystem::remove(path);
    }
    const auto path = dir / "model.safetensors";
    test::writeBytes(path, bytes);
    EXPECT_TRUE(openAndRead(path));
}

} // namespace
} // namespace ql
