#pragma once
// The fit section of a release report: each variant's memory on each requested GPU.
#include "engine/report/release_report.h"

namespace ql::report {

FitSection gatherFit(const Workspace& ws, const FitOptions& options,
                     const std::vector<ScorecardSection>& scorecards);

} // namespace ql::report
