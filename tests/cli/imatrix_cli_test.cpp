// quantlens-cli imatrix as a user runs it on stories260K: both output formats read back
// with llama-imatrix's metadata, the file feeds `quantize --imatrix`, and a bad -o or an
// empty text ends in a readable error that names the file.
#include "engine/quant/imatrix_file.h"
#include "tests/common/cli_runner.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <algorithm>
#include <fstream>
#include <gtest/gtest.h>

namespace {

using Result = ql::test::CliResult;
using ql::test::runCli;

std::string quoted(const std::filesystem::path& p) {
    return ql::test::shellQuote(p);
}

std::filesystem::path textA() {
    return ql::test::dataDir() / "text" / "tinystories_valid_1-500.txt";
}

std::string imatrixCommand(const std::filesystem::path& out) {
    return "imatrix " + quoted(ql::test::stories260K()) + " -f " + quoted(textA()) +
           " -c 128 --chunks 4 -t 2 -o " + quoted(out);
}

TEST(ImatrixCli, WritesGgufAndDatThatReadBack) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const Result g = runCli(imatrixCommand(dir / "m.gguf"));
    ASSERT_EQ(g.exitCode, 0) << g.err;
    EXPECT_NE(g.out.find("stored 35 entries after 4 chunks (512 tokens)"), std::string::npos)
        << g.out;
    const ql::Imatrix gguf = ql::readImatrix(dir / "m.gguf");
    EXPECT_EQ(gguf.format, ql::ImatrixFormat::Gguf);
    EXPECT_EQ(gguf.entries.size(), 35u);
    EXPECT_EQ(gguf.chunkCount, 4);
    EXPECT_EQ(gguf.chunkSize, 128u);
    EXPECT_EQ(gguf.datasets, std::vector<std::string>{textA().string()});
    EXPECT_EQ(gguf.find("output.weight"), nullptr); // only with --process-output

    const Result d = runCli(imatrixCommand(dir / "m.dat") + " --output-format dat");
    ASSERT_EQ(d.exitCode, 0) << d.err;
    const ql::Imatrix dat = ql::readImatrix(dir / "m.dat");
    EXPECT_EQ(dat.format, ql::ImatrixFormat::Legacy);
    ASSERT_EQ(dat.entries.size(), 35u);
    EXPECT_EQ(dat.chunkCount, 4);
    EXPECT_TRUE(std::is_sorted(dat.entries.begin(), dat.entries.end(),
                               [](const auto& a, const auto& b) { return a.name < b.name; }));
    for (const auto& e : gguf.entries) {
        const auto a = e.importance(ql::ImatrixFormat::Gguf);
        const auto b = dat.find(e.name)->importance(ql::ImatrixFormat::Legacy);
        ASSERT_EQ(a.size(), b.size()) << e.name;
        for (size_t j = 0; j < a.size(); ++j)
            EXPECT_NEAR(a[j], b[j], 1e-6 * a[j]) << e.name;
    }

    const Result o = runCli(imatrixCommand(dir / "o.gguf") + " --process-output");
    ASSERT_EQ(o.exitCode, 0) << o.err;
    EXPECT_NE(ql::readImatrix(dir / "o.gguf").find("output.weight"), nullptr);

    const Result q = runCli("quantize " + quoted(ql::test::stories260K()) +
                            " --format q4_k --imatrix " + quoted(dir / "m.gguf"));
    EXPECT_EQ(q.exitCode, 0) << q.err;
}

TEST(ImatrixCli, BadOutputPathIsAReadableError) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const auto out = dir / "no-such-folder" / "m.gguf";
    const Result r = runCli(imatrixCommand(out));
    EXPECT_NE(r.exitCode, 0);
    EXPECT_NE(r.err.find(out.string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(ImatrixCli, EmptyTextIsAReadableError) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const auto empty = dir / "empty.txt";
    std::ofstream(empty).close();
    const auto out = dir / "m.gguf";
    const Result r = runCli("imatrix " + quoted(ql::test::stories260K()) + " -f " + quoted(empty) +
                            " -c 128 -o " + quoted(out));
    EXPECT_NE(r.exitCode, 0);
    EXPECT_NE(r.err.find(empty.string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("fewer than one chunk of 128"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out));
}

} // namespace
