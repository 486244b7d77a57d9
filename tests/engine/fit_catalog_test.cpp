// Every entry of the built-in GPU catalog (resources/gpu_catalog.json) against the row of
// gpus/gpu_specs_combined.csv it names: memory and bandwidth equal.
#include "engine/core/error.h"
#include "engine/fit/gpu_catalog.h"
#include "tests/engine/fit_test_util.h"

#include <cmath>
#include <gtest/gtest.h>
#include <set>

namespace ql::fit {
namespace {

TEST(FitCatalog, EveryEntryMatchesTheCsv) {
    QL_REQUIRE_DATA();
    const auto rows = test::readCsv(ql::test::dataDir() / "gpus" / "gpu_specs_combined.csv");
    const auto& catalog = GpuCatalog::builtin();
    ASSERT_GE(catalog.gpus().size(), 25u);
    for (const auto& g : catalog.gpus()) {
        SCOPED_TRACE(g.id);
        const auto row = std::find_if(rows.begin(), rows.end(), [&](const auto& r) {
            return r.at("source") == g.csvSource && r.at("gpu") == g.csvGpu;
        });
        ASSERT_NE(row, rows.end()) << g.csvSource << "/" << g.csvGpu;
        EXPECT_EQ(g.bandwidthGBs, std::stod(row->at("memory_bandwidth_gb_s")));
        ASSERT_NE(g.memoryGib.has_value(), g.memoryGb.has_value());
        if (g.memoryGib) {
            EXPECT_EQ(*g.memoryGib, std::stod(row->at("memory_gib")));
            EXPECT_EQ(g.memoryBytes, uint64_t(std::llround(*g.memoryGib * double(1ull << 30))));
        } else {
            EXPECT_TRUE(row->at("memory_gib").empty());
            EXPECT_EQ(*g.memoryGb, std::stod(row->at("memory_gb")));
            EXPECT_EQ(g.memoryBytes, uint64_t(std::llround(*g.memoryGb * 1e9)));
        }
        if (row->at("fp8_supported").rfind("yes", 0) == 0) {
            EXPECT_TRUE(g.fp8);
        }
        if (row->at("int8_supported") == "yes") {
            EXPECT_TRUE(g.int8);
        }
    }
}

TEST(FitCatalog, IdsAreUniqueAndFindable) {
    const auto& catalog = GpuCatalog::builtin();
    std::set<std::string> ids;
    for (const auto& g : catalog.gpus()) {
        EXPECT_TRUE(ids.insert(g.id).second) << g.id;
        EXPECT_EQ(catalog.find(g.id), &g);
    }
    ASSERT_NE(catalog.find("H100"), nullptr);
    EXPECT_EQ(catalog.find("H100")->id, "h100-sxm");
    EXPECT_EQ(catalog.find("h100_sxm")->bandwidthGBs, 3350.0);
    EXPECT_EQ(catalog.find("no-such-gpu"), nullptr);
}

TEST(FitCatalog, MalformedUserCatalogIsAReadableError) {
    EXPECT_THROW(GpuCatalog::fromJson("{\"gpus\": [{\"id\": 1}]}", "mine.json"), Error);
}

} // namespace
} // namespace ql::fit
