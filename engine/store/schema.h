#pragma once
// The workspace schema as a list of forward migrations: migration i takes a workspace
// from version i to i + 1. Never edit a released migration; append a new one.
#include <string_view>
#include <vector>

namespace ql {

const std::vector<std::string_view>& workspaceMigrations();

} // namespace ql
