#pragma once
// How quantlens-cli prints models and results: aligned text for people, JSON for tools.
#include "engine/jobs/quantize_job.h"

#include <nlohmann/json.hpp>
#include <ostream>

namespace ql {
class Model;
}

namespace ql::cli {

nlohmann::json modelJson(const Model& model);
void printModelSummary(std::ostream& out, const Model& model);
void printTensorTable(std::ostream& out, const Model& model);

nlohmann::json quantizeJson(const QuantizeOutcome& outcome, const std::string& backends);
void printQuantizeResult(std::ostream& out, const QuantizeOutcome& outcome,
                         const std::string& backends);
// Blocks and tensor kinds, largest share of the squared error first.
void printSensitivity(std::ostream& out, const SensitivityRanking& ranking);

std::string shapeString(const std::vector<int64_t>& shape);

} // namespace ql::cli
