#pragma once
// Reading GGUF metadata values (scalars, strings, arrays, nested arrays) from a
// bounds-checked cursor. Shared by the reader and its tests through readGguf only.
#include "engine/model/byte_reader.h"
#include "engine/model/metadata.h"

namespace ql {

// Nested arrays deeper than this are refused: a hostile file must not be able to
// exhaust the stack through recursion.
inline constexpr int kGgufMaxArrayDepth = 8;
// Items per array: far above any real tokenizer (Gemma's 256k tokens), far below what
// would turn a file of small values into gigabytes of MetaValues.
inline constexpr uint64_t kGgufMaxArrayItems = uint64_t(1) << 24;
// Array items in all of one file's metadata. Each becomes a MetaValue of 48 bytes, so
// without a file-wide budget a 1 GB file of many uint8 arrays, each under the limit
// above, would ask for about 48 GB. A real tokenizer holds four arrays of up to 256k
// items (tokens, scores, types, merges): about 1M in all.
inline constexpr uint64_t kGgufMaxMetadataItems = uint64_t(1) << 24;

// What is left of a file's item budget; readGgufValue spends it array by array.
struct GgufItemBudget {
    uint64_t limit = kGgufMaxMetadataItems;
    uint64_t spent = 0;
};

bool isValidGgufType(uint32_t id);
// Fewest bytes one value of this type takes in a file; used to refuse absurd counts
// before allocating anything.
uint64_t ggufMinValueBytes(GgufType type);
MetaValue readGgufValue(ByteReader& in, GgufType type, const std::string& what,
                        GgufItemBudget& budget, int depth = 0);

} // namespace ql
