#include "app/cli/json_output.h"

namespace ql::cli {

void printJson(std::ostream& out, const nlohmann::json& value) {
    out << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

} // namespace ql::cli
