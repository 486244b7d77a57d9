#pragma once
// Every command's `--json` output goes through here.
#include <nlohmann/json.hpp>
#include <ostream>

namespace ql::cli {

// Indented, then a newline. Names and strings from model files and imported tables are
// bytes, not always UTF-8: invalid bytes print as U+FFFD instead of failing the command
// with nlohmann's type_error 316 (which names neither file nor field).
void printJson(std::ostream& out, const nlohmann::json& value);

} // namespace ql::cli
