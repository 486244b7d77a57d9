#include "app/cli/eval_output.h"

#include <cstdio>

namespace ql::cli {

std::string fmt(const char* format, double a, double b) {
    char buf[96];
    std::snprintf(buf, sizeof buf, format, a, b);
    return buf;
}

nlohmann::json percentilesJson(const Percentiles& p) {
    return {{"min", p.min}, {"p001", p.p001},     {"p01", p.p01}, {"p05", p.p05}, {"p10", p.p10},
            {"p25", p.p25}, {"median", p.median}, {"p75", p.p75}, {"p90", p.p90}, {"p95", p.p95},
            {"p99", p.p99}, {"p999", p.p999},     {"max", p.max}};
}

} // namespace ql::cli
