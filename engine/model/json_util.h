#pragma once
// JSON helpers for the safetensors side: parsing a mapped file into nlohmann::json with
// errors that name the file and byte, and turning JSON values into metadata.
#include "engine/model/metadata.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>

namespace ql {

// Parses bytes that start at byte `base` of the file called `label`.
nlohmann::json parseJson(std::span<const std::byte> bytes, const std::string& label, uint64_t base,
                         const std::string& what);
nlohmann::json parseJsonFile(const std::filesystem::path& path);

// Adds `value` under `key`; objects become one key per leaf ("key.child").
void addJsonMetadata(Metadata& meta, const std::string& key, const nlohmann::json& value);

} // namespace ql
