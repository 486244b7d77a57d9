// The workspace is a real SQLite file: schema, migrations, WAL, foreign keys, and
// all-or-nothing variants.
#include "engine/core/error.h"
#include "engine/store/schema.h"
#include "engine/store/workspace.h"
#include "tests/common/temp_dir.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace ql {
namespace {

ModelRecord sampleModel() {
    ModelRecord m;
    m.path = "/models/a.gguf";
    m.fileBytes = 1234;
    m.contentHash = "00ff";
    m.format = "gguf";
    m.architecture = "llama";
    m.parameterCount = 99;
    return m;
}

TensorMetricsRecord sampleMetrics(const std::string& name) {
    TensorMetricsRecord t;
    t.tensor = name;
    t.rows = 4;
    t.cols = 8;
    t.sourceDType = "F32";
    t.backend = "cpu (2 threads)";
    t.metrics = {0.1, 0.2, 13.9, 0.99, 0.5, 40, 10.0};
    return t;
}

std::string pragma(const std::filesystem::path& file, const char* name) {
    sqlite3* db = nullptr;
    sqlite3_open(file.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, (std::string("PRAGMA ") + name).c_str(), -1, &st, nullptr);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW)
        out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

TEST(Workspace, CreatesSchemaWithWal) {
    test::TempDir dir;
    const auto file = dir / "ws.quantlens";
    {
        Workspace ws(file);
        EXPECT_EQ(ws.schemaVersion(), Workspace::latestSchemaVersion());
    }
    EXPECT_EQ(pragma(file, "journal_mode"), "wal");
    Workspace again(file); // reopening migrates nothing and keeps the version
    EXPECT_EQ(again.schemaVersion(), Workspace::latestSchemaVersion());
}

TEST(Workspace, StoresVariantWithMetricsAndReadsThemBack) {
    test::TempDir dir;
    Workspace ws(dir / "ws.quantlens");
    const int64_t modelId = ws.addModel(sampleModel());
    EXPECT_EQ(ws.addModel(sampleModel()), modelId); // same path and hash: same row
    VariantRecord v;
    v.modelId = modelId;
    v.format = "int8";
    v.method = "rtn";
    v.toolVersion = "quantlens test";
    v.backend = "vulkan (llvmpipe)";
    const int64_t id = ws.addVariant(v, {sampleMetrics("a"), sampleMetrics("b")});
    const auto variants = ws.variants(modelId);
    ASSERT_EQ(variants.size(), 1u);
    EXPECT_EQ(variants[0].backend, "vulkan (llvmpipe)");
    const auto metrics = ws.tensorMetrics(id);
    ASSERT_EQ(metrics.size(), 2u);
    EXPECT_EQ(metrics[1].tensor, "b");
    EXPECT_DOUBLE_EQ(metrics[0].metrics.snrDb, 13.9);
    EXPECT_EQ(metrics[0].metrics.bytes, 40u);
}

TEST(Workspace, FailedVariantLeavesNothingBehind) {
    test::TempDir dir;
    Workspace ws(dir / "ws.quantlens");
    VariantRecord v;
    v.modelId = ws.addModel(sampleModel());
    v.format = "int8";
    v.method = "rtn";
    v.toolVersion = "t";
    v.backend = "cpu";
    // The duplicate tensor name violates the primary key half-way through the insert.
    EXPECT_THROW(ws.addVariant(v, {sampleMetrics("a"), sampleMetrics("a")}), Error);
    EXPECT_TRUE(ws.variants().empty());
}

TEST(Workspace, ForeignKeysRejectVariantOfUnknownModel) {
    test::TempDir dir;
    Workspace ws(dir / "ws.quantlens");
    VariantRecord v;
    v.modelId = 42;
    v.format = "int8";
    v.method = "rtn";
    v.toolVersion = "t";
    v.backend = "cpu";
    EXPECT_THROW(ws.addVariant(v, {}), Error);
}

TEST(Workspace, NewerSchemaIsRefusedWithoutTouchingIt) {
    test::TempDir dir;
    const auto file = dir / "ws.quantlens";
    { Workspace ws(file); }
    sqlite3* db = nullptr;
    sqlite3_open(file.c_str(), &db);
    sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    try {
        Workspace ws(file);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos);
    }
}

TEST(Workspace, NotASqliteFileGivesReadableError) {
    test::TempDir dir;
    const auto file = dir / "junk.quantlens";
    {
        FILE* f = std::fopen(file.c_str(), "wb");
        std::fputs("this is not a database at all, not even close", f);
        std::fclose(f);
    }
    try {
        Workspace ws(file);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("junk.quantlens"), std::string::npos);
    }
}

// A workspace as Quantlens wrote it before the error analysis: the first two migrations
// and one variant with two tensors (n = 32 each; rmse 0.5 / rel 0.25 and rmse 1 / rel 0.5
// give SSE 8 and 32, ||w||^2 128 and 128).
void writeOldWorkspace(const std::filesystem::path& file) {
    sqlite3* db = nullptr;
    sqlite3_open(file.c_str(), &db);
    const auto& m = workspaceMigrations();
    const std::string sql =
        std::string(m[0]) + std::string(m[1]) +
        "CREATE TABLE schema_version (version INTEGER NOT NULL);"
        "INSERT INTO schema_version VALUES (2);"
        "INSERT INTO models VALUES (1, '/m.gguf', 1, 'ff', 'gguf', 'llama', 64, 'now');"
        "INSERT INTO variants VALUES (1, 1, 'int8', 'rtn', '{}', 't', 'cpu', 'now', 64, 64);"
        "INSERT INTO tensor_metrics VALUES (1, 'blk.0.attn_q.weight', 4, 8, 'F32', 'int8', "
        "'cpu', 0.5, 0.25, 12.0, 0.99, 1.0, 32, 8.0);"
        "INSERT INTO tensor_metrics VALUES (1, 'blk.1.ffn_up.weight', 4, 8, 'F32', 'int8', "
        "'cpu', 1.0, 0.5, 6.0, 0.9, 2.0, 32, 8.0);";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
}

TEST(Workspace, OldWorkspaceMigratesForwardAndRanksFromItsFigures) {
    test::TempDir dir;
    const auto file = dir / "old.quantlens";
    writeOldWorkspace(file);
    Workspace ws(file);
    EXPECT_EQ(ws.schemaVersion(), Workspace::latestSchemaVersion());
    const auto metrics = ws.tensorMetrics(1);
    ASSERT_EQ(metrics.size(), 2u);
    EXPECT_FALSE(metrics[0].analysis);
    EXPECT_DOUBLE_EQ(metrics[0].metrics.rmse, 0.5);
    EXPECT_NEAR(metrics[0].metrics.sumSquaredError, 8.0, 1e-12);
    EXPECT_NEAR(metrics[1].metrics.sumSquaredWeight, 128.0, 1e-9);
    const SensitivityRanking r = ws.sensitivity(1);
    ASSERT_EQ(r.byBlock.size(), 2u);
    EXPECT_EQ(r.byBlock[0].group, "1");
    EXPECT_NEAR(r.byBlock[0].share, 0.8, 1e-12);
    EXPECT_NEAR(r.byBlock[1].share, 0.2, 1e-12);
}

TEST(Workspace, AnalysisRoundTripsAndGoesWithItsVariant) {
    test::TempDir dir;
    Workspace ws(dir / "ws.quantlens");
    VariantRecord v;
    v.modelId = ws.addModel(sampleModel());
    v.format = "int8";
    v.method = "rtn";
    v.toolVersion = "t";
    v.backend = "cpu";
    TensorMetricsRecord a = sampleMetrics("blk.0.attn_q.weight");
    a.metrics.sumSquaredError = 0.32;
    a.metrics.sumSquaredWeight = 8.0;
    TensorAnalysis analysis;
    analysis.weightMean = 0.01;
    analysis.weightSigma = 0.5;
    analysis.errorScale = 0.5;
    analysis.errorHistogram.assign(30, 1);
    analysis.weightHistogram.assign(66, 2);
    analysis.outliers = {32, 3, 1, 1, 1, {{2, 2, 1}, {0, 1, 0}}, {{5, 3, 1}}};
    analysis.codeBits = 8;
    analysis.metadataBitsPerWeight = 2.0;
    a.analysis = analysis;
    const TensorMetricsRecord b = sampleMetrics("blk.1.ffn_up.weight"); // no analysis
    const int64_t id = ws.addVariant(v, {a, b});
    const auto back = ws.tensorMetrics(id);
    ASSERT_TRUE(back[0].analysis);
    EXPECT_EQ(*back[0].analysis, analysis);
    EXPECT_EQ(back[0].metrics.sumSquaredError, 0.32);
    EXPECT_FALSE(back[1].analysis);
    const SensitivityRanking r = ws.sensitivity(id);
    EXPECT_EQ(r.byTensor.size(), 2u);
    ws.removeVariant(id);
    EXPECT_TRUE(ws.tensorMetrics(id).empty());
    EXPECT_TRUE(ws.sensitivity(id).byTensor.empty());
}

} // namespace
} // namespace ql
