// locateJsonValue on hand-written JSON: every offset below was counted by hand from the
// text above it (the comments give the counting), and the duplicate-key rule is checked
// against what nlohmann::json itself keeps.
#include "engine/core/error.h"
#include "engine/model/json_locate.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ql {
namespace {

using Offset = std::optional<uint64_t>;

TEST(JsonLocate, NestedObjectsAndArrays) {
    // {"a": {"b": [10, 20, {"c": true}]}}
    // '{' 0, "a" 1-3, ':' 4, '{' 6, "b" 7-9, '[' 12, 10 at 13, 20 at 17, '{' 21, "c" 22-24,
    // true at 27.
    const std::string t = R"({"a": {"b": [10, 20, {"c": true}]}})";
    EXPECT_EQ(locateJsonValue(t, {}), Offset(0));
    EXPECT_EQ(locateJsonValue(t, {"a"}), Offset(6));
    EXPECT_EQ(locateJsonValue(t, {"a", "b"}), Offset(12));
    EXPECT_EQ(locateJsonValue(t, {"a", "b", 0u}), Offset(13));
    EXPECT_EQ(locateJsonValue(t, {"a", "b", 1u}), Offset(17));
    EXPECT_EQ(locateJsonValue(t, {"a", "b", 2u}), Offset(21));
    EXPECT_EQ(locateJsonValue(t, {"a", "b", 2u, "c"}), Offset(27));
}

TEST(JsonLocate, MissingPathsAreNullopt) {
    const std::string t = R"({"a": {"b": [10, 20, {"c": true}]}})";
    EXPECT_EQ(locateJsonValue(t, {"a", "b", 3u}), std::nullopt);      // past the end
    EXPECT_EQ(locateJsonValue(t, {"a", "c"}), std::nullopt);          // "c" is deeper down
    EXPECT_EQ(locateJsonValue(t, {"b"}), std::nullopt);               // "b" is not at the top
    EXPECT_EQ(locateJsonValue(t, {"a", 0u}), std::nullopt);           // an object, not an array
    EXPECT_EQ(locateJsonValue(t, {"a", "b", "c"}), std::nullopt);     // an array, not an object
    EXPECT_EQ(locateJsonValue(t, {"a", "b", 0u, "x"}), std::nullopt); // into a number
    EXPECT_EQ(locateJsonValue("{}", {"a"}), std::nullopt);
    EXPECT_EQ(locateJsonValue("[]", {0u}), std::nullopt);
    EXPECT_EQ(locateJsonValue("", {}), std::nullopt);
    EXPECT_EQ(locateJsonValue("  \n", {}), std::nullopt);
}

TEST(JsonLocate, KeysInsideStringsAndSiblingObjectsDoNotMatch) {
    // {"x": "\"y\": 1", "s": {"y": 2}, "y": 3}
    // "x" 1-3, its value '"' at 6 (the string runs to 15), "s" 18-20, '{' 23, "y" 24-26,
    // 2 at 29, '}' 30, "y" 33-35, 3 at 38.
    const std::string t = R"({"x": "\"y\": 1", "s": {"y": 2}, "y": 3})";
    EXPECT_EQ(locateJsonValue(t, {"y"}), Offset(38));
    EXPECT_EQ(locateJsonValue(t, {"s", "y"}), Offset(29));
    EXPECT_EQ(locateJsonValue(t, {"x"}), Offset(6));
    // Brackets inside strings neither open nor close anything.
    // {"a": "}]{[", "b": 1}: "a" 1-3, "}]{[" 6-11, "b" 14-16, 1 at 19.
    EXPECT_EQ(locateJsonValue(R"({"a": "}]{[", "b": 1})", {"b"}), Offset(19));
    // [{"k": "]"}, 7]: '{' 1, "]" 7-9, '}' 10, 7 at 13.
    EXPECT_EQ(locateJsonValue(R"([{"k": "]"}, 7])", {1u}), Offset(13));
}

TEST(JsonLocate, EscapedQuotesAndBackslashesInKeys) {
    // {"a\"b": 1, "a\\": 2, "a": 3}
    // "a\"b" 1-6, 1 at 9; "a\\" 12-16, 2 at 19; "a" 22-24, 3 at 27.
    const std::string t = R"({"a\"b": 1, "a\\": 2, "a": 3})";
    EXPECT_EQ(locateJsonValue(t, {"a\"b"}), Offset(9));
    EXPECT_EQ(locateJsonValue(t, {"a\\"}), Offset(19));
    EXPECT_EQ(locateJsonValue(t, {"a"}), Offset(27));
    EXPECT_EQ(locateJsonValue(t, {"b"}), std::nullopt);
    // A value ending in an escaped backslash: the quote after it closes the string.
    // {"p": "c:\\", "q": 4}: "c:\\" 6-11, "q" 14-16, 4 at 19.
    EXPECT_EQ(locateJsonValue(R"({"p": "c:\\", "q": 4})", {"q"}), Offset(19));
}

TEST(JsonLocate, UnicodeEscapesMatchTheDecodedKey) {
    // {"\u00e9t\u00E9": 1, "\ud83d\ude00": [true, null]}
    // The first key is 1-15 ("été"), 1 at 18; the second (a surrogate pair for U+1F600) is
    // 21-34, '[' 37, true 38-41, null at 44.
    const std::string t = R"({"\u00e9t\u00E9": 1, "\ud83d\ude00": [true, null]})";
    EXPECT_EQ(locateJsonValue(t, {"\xC3\xA9t\xC3\xA9"}), Offset(18));
    EXPECT_EQ(locateJsonValue(t, {"\xF0\x9F\x98\x80", 1u}), Offset(44));
    EXPECT_EQ(locateJsonValue(t, {"\\u00e9t\\u00E9"}), std::nullopt); // not the raw spelling
    // The same key written raw in UTF-8: {"é": 5}, "é" is 1-4 (two bytes), 5 at 7.
    EXPECT_EQ(locateJsonValue("{\"\xC3\xA9\": 5}", {"\xC3\xA9"}), Offset(7));
    // nlohmann decodes the keys the same way.
    const auto j = nlohmann::json::parse(t);
    EXPECT_TRUE(j.contains("\xC3\xA9t\xC3\xA9"));
    EXPECT_TRUE(j.contains("\xF0\x9F\x98\x80"));
}

TEST(JsonLocate, DuplicateKeysFindTheOneNlohmannKeeps) {
    // {"a": 1, "b": {"x": 1}, "a": [2], "b": {"y": 2}}
    // 1 at 6, '{' 14, second "a" 24-26, '[' 29, 2 at 30, second "b" 34-36, '{' 39, 2 at 45.
    const std::string t = R"({"a": 1, "b": {"x": 1}, "a": [2], "b": {"y": 2}})";
    EXPECT_EQ(locateJsonValue(t, {"a"}), Offset(29));
    EXPECT_EQ(locateJsonValue(t, {"a", 0u}), Offset(30));
    EXPECT_EQ(locateJsonValue(t, {"b", "y"}), Offset(45));
    EXPECT_EQ(locateJsonValue(t, {"b", "x"}), std::nullopt);
    // nlohmann::json keeps the last value of a repeated key, the object whole (not merged).
    const auto j = nlohmann::json::parse(t);
    EXPECT_TRUE(j["a"].is_array());
    EXPECT_TRUE(j["b"].contains("y"));
    EXPECT_FALSE(j["b"].contains("x"));
}

TEST(JsonLocate, WhitespaceNumbersAndLiterals) {
    // \n \t { sp "n" sp : \r \n sp -1.5e+3 sp , "t" : false , "z" : null sp , sp "e" sp : sp [ sp ]
    // '{' 2, "n" 4-6, -1.5e+3 12-18, "t" 21-23, false 25-29, "z" 31-33, null 35-38,
    // "e" 42-44, '[' 48.
    const std::string t = "\n\t{ \"n\" :\r\n -1.5e+3 ,\"t\":false,\"z\":null , \"e\" : [ ] }";
    EXPECT_EQ(locateJsonValue(t, {}), Offset(2));
    EXPECT_EQ(locateJsonValue(t, {"n"}), Offset(12));
    EXPECT_EQ(locateJsonValue(t, {"t"}), Offset(25));
    EXPECT_EQ(locateJsonValue(t, {"z"}), Offset(35));
    EXPECT_EQ(locateJsonValue(t, {"e"}), Offset(48));
    EXPECT_EQ(locateJsonValue(t, {"e", 0u}), std::nullopt);
    // Arrays with whitespace around elements: [ 1 ,\n 2 ]: 1 at 2, 2 at 7.
    EXPECT_EQ(locateJsonValue("[ 1 ,\n 2 ]", {1u}), Offset(7));
}

TEST(JsonLocate, ByteOrderMarkCountsInTheOffset) {
    // BOM 0-2, '{' 3, "a" 4-6, 1 at 9. nlohmann skips the mark when parsing.
    const std::string t = "\xEF\xBB\xBF{\"a\": 1}";
    EXPECT_EQ(locateJsonValue(t, {}), Offset(3));
    EXPECT_EQ(locateJsonValue(t, {"a"}), Offset(9));
    EXPECT_EQ(nlohmann::json::parse(t)["a"], 1);
}

TEST(JsonLocate, MalformedTextEndsTheSearch) {
    EXPECT_EQ(locateJsonValue(R"({"a": [1, 2)", {"a", 5u}), std::nullopt);
    EXPECT_EQ(locateJsonValue(R"({"a": "unterminated)", {"b"}), std::nullopt);
    EXPECT_EQ(locateJsonValue(R"({"a" 1, "b": 2})", {"b"}), std::nullopt);
    EXPECT_EQ(locateJsonValue(R"({"a": 1 "b": 2})", {"b"}), std::nullopt);
    EXPECT_EQ(locateJsonValue(R"({"a\q": 1})", {"a"}), std::nullopt);
    EXPECT_EQ(locateJsonValue(R"({"\ud83d": 1})", {"x"}), std::nullopt); // lone surrogate
    EXPECT_EQ(locateJsonValue(R"({"a": {"b": 1)", {"a", "b"}), std::nullopt);
    // A member found before the text breaks off is still not trusted: the object is bad.
    EXPECT_EQ(locateJsonValue(R"({"a": 1, )", {"a"}), std::nullopt);
}

// The scan keeps a counter, not a stack: nesting far deeper than any parser allows costs
// nothing (the readers refuse more than 100 levels before parsing).
TEST(JsonLocate, DeepNestingIsSkippedWithoutRecursion) {
    const size_t depth = 1'000'000;
    const std::string head = R"({"deep": )";
    const std::string t = head + std::string(depth, '[') + std::string(depth, ']') + R"(, "x": 1})";
    // "x"'s value is the '1' after the ", \"x\": " that follows the closing brackets.
    EXPECT_EQ(locateJsonValue(t, {"x"}), Offset(head.size() + 2 * depth + 7));
    EXPECT_EQ(locateJsonValue(t, {"deep", 0u, 0u, 0u}), Offset(head.size() + 3));
}

TEST(JsonLocate, AtJsonValueAppendsTheGroupedOffsetOrNothing) {
    // {"pad": "<1 200 spaces>", "k": 1}: the value of "pad" is at 8, its string of 1 202
    // bytes ends at 1 209, ", " 1 210-1 211, "k" 1 212-1 214, ": " 1 215-1 216, 1 at 1 217.
    const std::string t = R"({"pad": ")" + std::string(1200, ' ') + R"(", "k": 1})";
    const JsonValueError e("f.json: field k is bad", {"k"});
    EXPECT_STREQ(atJsonValue(e, t).what(), "f.json: field k is bad (at byte 1 217)");
    EXPECT_STREQ(atJsonValue(e, t, 1000).what(), "f.json: field k is bad (at byte 2 217)");
    const JsonValueError missing("f.json: field q is missing", {"q"});
    EXPECT_STREQ(atJsonValue(missing, t).what(), "f.json: field q is missing");
}

} // namespace
} // namespace ql
