#pragma once
// How the report and the Scorecards view print a delta, so both say the same thing.
#include <QString>

// "−0.0433 (−5.4 %)": the delta with a sign (heatmap_math's formatDelta) and its size
// relative to the baseline's score; no percentage when the baseline is 0.
QString deltaText(double delta, double baseline);
// "−5.4 %": the delta relative to the baseline's score; empty when that is 0.
QString relativeText(double delta, double baseline);
