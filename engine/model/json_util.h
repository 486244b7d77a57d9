#pragma once
// JSON helpers for the safetensors side: parsing a mapped file into nlohmann::json with
// errors that name the file and byte, and turning JSON values into metadata.
#include "engine/model/metadata.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <string_view>

namespace ql {

// Parses bytes that start at byte `base` of the file called `label`.
nlohmann::json parseJson(std::span<const std::byte> bytes, const std::string& label, uint64_t base,
                         const std::string& what);
nlohmann::json parseJsonFile(const std::filesystem::path& path);

// Throws ql::Error ("label: what nests ... (at byte base + i)") at the first bracket that
// opens a level deeper than the readers accept: dump() and the code walking a parsed value
// recurse per level. parseJson calls it; code calling nlohmann's parse itself must too.
void checkJsonNesting(std::string_view text, const std::string& label, uint64_t base,
                      const std::string& what);

// Adds `value` under `key`; objects become one key per leaf ("key.child").
void addJsonMetadata(Metadata& meta, const std::string& key, const nlohmann::json& value);

} // namespace ql
