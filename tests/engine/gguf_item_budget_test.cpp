// The file-wide budget on GGUF metadata array items (gguf_values.h): each array's count is
// charged before anything is allocated, and the array that would pass the budget fails
// at its own offset with the running total, while arrays within it read normally.
#include "engine/core/error.h"
#include "engine/model/gguf_values.h"

#include <cstring>
#include <gtest/gtest.h>
#include <vector>

namespace ql {
namespace {

// A GGUF array value of `count` uint8 items: element type, count, then the items.
void appendUint8Array(std::vector<std::byte>& out, uint64_t count) {
    const uint32_t type = uint32_t(GgufType::Uint8);
    const size_t at = out.size();
    out.resize(at + 12 + count, std::byte{7});
    std::memcpy(out.data() + at, &type, 4);
    std::memcpy(out.data() + at + 4, &count, 8);
}

std::vector<std::byte> uint8Arrays(std::initializer_list<uint64_t> counts) {
    std::vector<std::byte> bytes;
    for (uint64_t count : counts)
        appendUint8Array(bytes, count);
    return bytes;
}

TEST(GgufItemBudget, ArraysWithinTheBudgetReadAndSpendIt) {
    const auto bytes = uint8Arrays({600, 400});
    ByteReader in(bytes, "tiny.gguf");
    GgufItemBudget budget{1000, 0};
    const MetaValue a = readGgufValue(in, GgufType::Array, "metadata 'a'", budget);
    const MetaValue b = readGgufValue(in, GgufType::Array, "metadata 'b'", budget);
    ASSERT_NE(a.asArray(), nullptr);
    EXPECT_EQ(a.asArray()->size(), 600u);
    EXPECT_EQ(b.asArray()->size(), 400u);
    EXPECT_EQ(budget.spent, 1000u);
    EXPECT_EQ(in.remaining(), 0u);
}

TEST(GgufItemBudget, TheArrayPastTheBudgetFailsAtItsOffset) {
    const auto bytes = uint8Arrays({600, 401});
    ByteReader in(bytes, "tiny.gguf");
    GgufItemBudget budget{1000, 0};
    readGgufValue(in, GgufType::Array, "metadata 'a'", budget);
    try {
        readGgufValue(in, GgufType::Array, "metadata 'b'", budget);
        FAIL() << "the second array passes the budget";
    } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("tiny.gguf"), std::string::npos) << what;
        EXPECT_NE(what.find("metadata 'b': array of 401 items"), std::string::npos) << what;
        EXPECT_NE(what.find("1 001 items"), std::string::npos) << what;
        EXPECT_NE(what.find("(1 000)"), std::string::npos) << what;
        EXPECT_NE(what.find("byte 612"), std::string::npos) << what; // 12 + 600
    }
    EXPECT_EQ(budget.spent, 600u);
}

TEST(GgufItemBudget, NestedArraysChargeEveryLevel) {
    // An array of two arrays of 3 items: 2 + 3 + 3 = 8 items.
    std::vector<std::byte> bytes(12);
    const uint32_t type = uint32_t(GgufType::Array);
    const uint64_t two = 2;
    std::memcpy(bytes.data(), &type, 4);
    std::memcpy(bytes.data() + 4, &two, 8);
    appendUint8Array(bytes, 3);
    appendUint8Array(bytes, 3);
    {
        ByteReader in(bytes, "nested.gguf");
        GgufItemBudget budget{8, 0};
        readGgufValue(in, GgufType::Array, "metadata 'n'", budget);
        EXPECT_EQ(budget.spent, 8u);
    }
    ByteReader in(bytes, "nested.gguf");
    GgufItemBudget budget{7, 0};
    EXPECT_THROW(readGgufValue(in, GgufType::Array, "metadata 'n'", budget), Error);
}

TEST(GgufItemBudget, TheDefaultBoundsMemoryAndFitsRealTokenizers) {
    // About 48 bytes per MetaValue: the whole budget stays under 1 GiB, and four arrays of
    // Gemma's 256k-token vocabulary take a small part of it.
    EXPECT_LE(kGgufMaxMetadataItems * sizeof(MetaValue), uint64_t(1) << 30);
    EXPECT_GE(kGgufMaxMetadataItems, 4u * 262144u * 8u);
}

} // namespace
} // namespace ql
