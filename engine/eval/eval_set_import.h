#pragma once
// Reading evaluation sets from files. Errors name the file, the line and the byte
// offset from the start of the file, and nothing is returned unless every line is good.
//
// JSONL: one object per line, {"id": str|int, "text": str, "slice": str|[str],
// "dimension": str}; only "text" is required (a missing id becomes "line-N"); blank
// lines are skipped; ids must be unique.
//
// Separated text: examples are the runs of lines between separator lines (a line equal to
// the separator, e.g. "<|endoftext|>"); the newline before a separator line and the one
// ending it belong to neither example; runs of nothing but whitespace are skipped. Ids are
// "1", "2", ... in file order.
#include "engine/eval/eval_set.h"

#include <filesystem>

namespace ql {

std::vector<EvalExample> readJsonlExamples(const std::filesystem::path& path);
std::vector<EvalExample> parseJsonlExamples(std::string_view content, const std::string& file);

std::vector<EvalExample> readSeparatedExamples(const std::filesystem::path& path,
                                               const std::string& separator);
std::vector<EvalExample> splitSeparatedExamples(std::string_view content,
                                                const std::string& separator);

} // namespace ql
