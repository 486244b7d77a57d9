#pragma once
// Number formatting shared by the evaluation commands (perplexity, eval), in the style of
// llama-perplexity's printout and JSON.
#include "engine/eval/eval_stats.h"

#include <nlohmann/json.hpp>
#include <string>

namespace ql::cli {

// printf-style formatting of one or two numbers ("%.4f ± %.5f").
std::string fmt(const char* format, double a, double b = 0);
nlohmann::json percentilesJson(const Percentiles& p);

} // namespace ql::cli
