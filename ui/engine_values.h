#pragma once
// EngineBridge's translation from engine records to the GUI's value types. Part of the
// bridge: only engine_bridge*.cpp include this, so no panel ever sees an engine type.
#include "ui/bridge_types.h"

#include <QString>
#include <filesystem>
#include <vector>

namespace ql {
class Model;
struct VariantRecord;
struct TensorMetricsRecord;
} // namespace ql

std::filesystem::path toPath(const QString& path);
QString fromPath(const std::filesystem::path& path);

ModelSummary summarizeModel(const ql::Model& model);
VariantErrors toVariantErrors(const ql::VariantRecord& variant,
                              const std::vector<ql::TensorMetricsRecord>& metrics);
