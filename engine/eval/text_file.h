#pragma once
// Evaluation text read the way llama-perplexity's -f reads it: the whole file, with
// exactly one trailing '\n' removed and no escape processing.
#include <filesystem>
#include <string>

namespace ql {

std::string readEvalText(const std::filesystem::path& path);

} // namespace ql
