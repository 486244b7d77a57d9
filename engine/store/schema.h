#pragma once
// The workspace schema as a list of forward migrations: migration i takes a workspace
// from version i to i + 1. Never edit a released migration; append a new one (each
// area's tables in its own migration, with a comment naming the area).
#include <string_view>
#include <vector>

namespace ql {

const std::vector<std::string_view>& workspaceMigrations();

} // namespace ql
