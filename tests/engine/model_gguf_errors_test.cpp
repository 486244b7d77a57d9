// Damaged GGUF files, each written by the test: every one must end in a ql::Error that
// names the file, the field or tensor, and the byte offset; none may crash or read out
// of bounds (run under -fsanitize=address to check the latter).
#include "engine/model/gguf_writer.h"
#include "engine/model/model.h"
#include "tests/common/temp_dir.h"
#include "tests/engine/model_test_util.h"

#include <gtest/gtest.h>

namespace ql {
namespace {

using test::expectError;
using test::find;
using test::poke;

constexpr const char* kQ = "blk.0.attn_q.weight";
constexpr const char* kUp = "blk.3.ffn_up.weight";

GgufWriter fixtureWriter() {
    GgufWriter w;
    w.setString("general.architecture", "llama");
    w.setString("general.name", "fixture");
    w.set("tokenizer.ggml.tokens",
          MetaValue::ofArray(GgufType::String,
                             {MetaValue::ofString("<unk>"), MetaValue::ofString("<s>"),
                              MetaValue::ofString("</s>")}));
    w.addTensorF32(kQ, {4, 64}, DType::F32, std::vector<float>(256, 0.5f));
    w.addTensorF32(kUp, {2, 64}, DType::F32, std::vector<float>(128, 0.25f));
    return w;
}

class GgufErrors : public ::testing::Test {
protected:
    std::vector<std::byte> bytes = fixtureWriter().toBytes();
    test::TempDir dir;
    std::filesystem::path path = dir / "stories.gguf";

    std::string open(std::initializer_list<std::string> fragments, size_t cut = size_t(-1)) {
        test::writeBytes(path, bytes, cut);
        return expectError([&] { Model::open(path); }, fragments);
    }
    // Offset of a tensor info field: n_dims follows the name, then ne[], type, offset.
    size_t nDimsOf(const std::string& name) { return find(bytes, name) + name.size(); }
    size_t neOf(const std::string& name, int d) { return nDimsOf(name) + 4 + 8 * size_t(d); }
    size_t typeOf(const std::string& name) { return neOf(name, 2); } // both are 2-D
    size_t offsetOf(const std::string& name) { return typeOf(name) + 4; }
};

TEST_F(GgufErrors, FixtureItselfOpens) {
    test::writeBytes(path, bytes);
    const auto model = Model::open(path);
    EXPECT_EQ(model->tensors().size(), 2u);
    EXPECT_EQ(model->config().vocabSize, 3);
}

TEST_F(GgufErrors, BadMagic) {
    bytes[0] = std::byte{'X'};
    open({"stories.gguf", "bad magic", "at byte 0"});
}

TEST_F(GgufErrors, UnsupportedVersion) {
    poke<uint32_t>(bytes, 4, 1);
    open({"stories.gguf", "unsupported GGUF version 1", "at byte 4"});
    poke<uint32_t>(bytes, 4, 0x03000000); // a big-endian v3 file
    open({"unsupported GGUF version 50331648"});
}

TEST_F(GgufErrors, TruncatedInsideHeader) {
    open({"stories.gguf", "tensor count needs 8 bytes", "file ends at byte 10", "at byte 8"}, 10);
    open({"GGUF magic needs 4 bytes", "at byte 0"}, 2);
    open({"GGUF magic needs 4 bytes"}, 0);
}

TEST_F(GgufErrors, TruncatedInsideMetadataString) {
    const size_t value = find(bytes, "fixture"); // general.name's bytes
    open({"stories.gguf", "metadata 'general.name' claims 7 bytes",
          "at byte " + std::to_string(value - 8)},
         value + 3);
    const size_t key = find(bytes, "general.name");
    open({"metadata key #1 claims 12 bytes"}, key + 4);
    open({"metadata key #1 (length) needs 8 bytes"}, key - 3);
}

TEST_F(GgufErrors, TruncatedInsideTensorInfos) {
    open({"stories.gguf", "tensor 'blk.3.ffn_up.weight' shape needs 8 bytes"}, neOf(kUp, 1) + 5);
    open({"name of tensor #1 claims 19 bytes"}, nDimsOf(kUp) - 4);
    open({"tensor 'blk.3.ffn_up.weight' offset needs 8 bytes"}, offsetOf(kUp) + 1);
}

TEST_F(GgufErrors, TensorDataRunsPastTheEnd) {
    const size_t end = bytes.size() - 100;
    open({"stories.gguf: tensor 'blk.3.ffn_up.weight' data ends at byte " +
          groupDigits(bytes.size()) + ", beyond the file's " + groupDigits(end) + " bytes"},
         end);
    poke<uint64_t>(bytes, offsetOf(kUp), uint64_t(1) << 40);
    open({"tensor 'blk.3.ffn_up.weight' data ends at byte 1 099 511", "beyond the file's"});
    poke<uint64_t>(bytes, offsetOf(kUp), ~uint64_t(31)); // aligned, but wraps when added
    open({"tensor 'blk.3.ffn_up.weight' data ends at byte 2^64 or later"});
}

TEST_F(GgufErrors, ShapesThatOverflow64Bits) {
    poke<int64_t>(bytes, neOf(kQ, 1), int64_t(1) << 62); // 64 * 2^62 elements
    open({"tensor 'blk.0.attn_q.weight' has more elements than 64 bits count"});
    poke<int64_t>(bytes, neOf(kQ, 1), int64_t(1) << 56); // 2^62 elements, 2^64 bytes
    open({"tensor 'blk.0.attn_q.weight' byte size overflows 64 bits"});
    poke<int64_t>(bytes, neOf(kQ, 1), -4);
    open({"tensor 'blk.0.attn_q.weight' has negative dimension -4"});
}

TEST_F(GgufErrors, UnknownDtype) {
    poke<uint32_t>(bytes, typeOf(kQ), 99);
    open({"stories.gguf", "tensor 'blk.0.attn_q.weight' has type id 99", "cannot read", "at byte"});
    poke<uint32_t>(bytes, typeOf(kQ), 16);
    open({"type id 16 (IQ2_XXS)"});
}

TEST_F(GgufErrors, AbsurdStringLengthDoesNotAllocate) {
    poke<uint64_t>(bytes, find(bytes, "fixture") - 8, uint64_t(1) << 62);
    open({"metadata 'general.name' claims 4 611 686 018 427 387 904 bytes"});
    poke<uint64_t>(bytes, 24, ~uint64_t(0)); // the first key's length
    open({"metadata key #0 claims 18 446 744 073 709 551 615 bytes", "at byte 24"});
}

TEST_F(GgufErrors, AbsurdCountsDoNotAllocate) {
    const size_t tokens = find(bytes, "tokenizer.ggml.tokens") + 21 + 4; // after key and type
    poke<uint64_t>(bytes, tokens + 4, uint64_t(1) << 60);
    open({"metadata 'tokenizer.ggml.tokens': array of 1 152 921 504 606 846 976 string values "
          "cannot fit"});
    bytes = fixtureWriter().toBytes();
    poke<uint64_t>(bytes, 8, uint64_t(1) << 60);
    open({"tensor count 1 152 921 504 606 846 976 cannot fit", "at byte 8"});
    poke<uint64_t>(bytes, 16, ~uint64_t(0));
    open({"metadata count", "cannot fit", "at byte 16"});
}

TEST_F(GgufErrors, MisalignedTensorOffset) {
    poke<uint64_t>(bytes, offsetOf(kUp), 256 * 4 + 4);
    open({"tensor 'blk.3.ffn_up.weight' data offset 1 028 is not a multiple of the alignment 32"});
}

TEST_F(GgufErrors, BadMetadataValues) {
    const size_t type = find(bytes, "general.name") + 12;
    poke<uint32_t>(bytes, type, 13);
    open({"metadata 'general.name' has unknown value type 13"});
    GgufWriter w = fixtureWriter();
    w.setUint32("general.alignment", 48);
    bytes = w.toBytes();
    open({"general.alignment 48 is not a positive power of two"});
}

TEST_F(GgufErrors, ArraysNestedTooDeep) {
    MetaValue v = MetaValue::ofArray(GgufType::Uint8, {});
    for (int depth = 0; depth < 12; ++depth)
        v = MetaValue::ofArray(GgufType::Array, {v});
    GgufWriter w = fixtureWriter();
    w.set("deep", v);
    bytes = w.toBytes();
    open({"metadata 'deep'", "nested deeper than 8 levels"});
}

TEST_F(GgufErrors, TooManyDimensionsAndPartialBlocks) {
    poke<uint32_t>(bytes, nDimsOf(kQ), 5);
    open({"tensor 'blk.0.attn_q.weight' has 5 dimensions; GGUF allows at most 4"});
    GgufWriter w;
    w.addTensor("odd", {4, 16}, DType::Q8_0, std::vector<std::byte>(2 * 34));
    bytes = w.toBytes();
    open({"tensor 'odd' rows of 16 are not a whole number of Q8_0 blocks of 32"});
}

TEST_F(GgufErrors, DuplicateNames) {
    GgufWriter w = fixtureWriter();
    w.addTensorF32(kUp, {2, 64}, DType::F32, std::vector<float>(128));
    bytes = w.toBytes();
    open({"duplicate tensor name 'blk.3.ffn_up.weight'"});
    w = fixtureWriter();
    w.setUint32("dup.a", 1);
    w.setUint32("dup.b", 2);
    bytes = w.toBytes();
    std::memcpy(bytes.data() + find(bytes, "dup.b"), "dup.a", 5);
    open({"duplicate metadata key 'dup.a'"});
}

} // namespace
} // namespace ql
