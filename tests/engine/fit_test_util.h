#pragma once
// Helpers for the fit tests: the shared data's CSV files and model configs.
#include "engine/fit/hf_config.h"
#include "tests/common/csv.h"
#include "tests/common/test_data.h"

namespace ql::fit::test {

using ql::test::readCsv;

inline ModelShape configShape(const std::string& file) {
    return shapeFromHfConfigFile(ql::test::dataDir() / "model_configs" / file);
}

} // namespace ql::fit::test
