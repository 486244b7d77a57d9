#pragma once
// SentencePiece ("llama") tokenizer rebuilt from a GGUF's tokenizer.ggml.* metadata,
// producing the same ids as llama.cpp's SPM tokenizer: the text (with a space prefix)
// is split into UTF-8 characters, the adjacent pair whose concatenation is a vocab
// entry with the highest score is merged until none is left (ties to the leftmost),
// and pieces that are not in the vocab fall back to <0xNN> byte tokens.
#include "engine/model/metadata.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ql {

using TokenId = int32_t;

struct TokenizeOptions {
    bool addBos = true;        // prepend BOS when the vocab asks for it (add_special)
    bool parseSpecial = false; // control tokens written in the text become their ids
};

class Tokenizer {
public:
    // Throws ql::Error when the metadata holds no "llama" vocabulary.
    static Tokenizer fromMetadata(const Metadata& meta);

    std::vector<TokenId> tokenize(std::string_view text, const TokenizeOptions& options = {}) const;
    // The text a token stands for: U+2581 back to a space, <0xNN> to its byte.
    std::string piece(TokenId id) const;

    int32_t vocabSize() const { return int32_t(m_tokens.size()); }
    TokenId bos() const { return m_bos; }
    TokenId eos() const { return m_eos; }
    bool addsBos() const { return m_addBos; }
    // xxh64 (hex) of everything that decides the ids: pieces, scores, types, special ids
    // and flags. Two models with the same fingerprint tokenize every text alike.
    std::string fingerprint() const;
    const std::string& token(TokenId id) const { return m_tokens.at(size_t(id)); }

private:
    enum class Type : int32_t { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Byte = 6 };

    void tokenizeFragment(std::string_view text, std::vector<TokenId>& out) const;
    void appendBytes(std::string_view bytes, std::vector<TokenId>& out) const;
    TokenId find(std::string_view piece) const; // -1 when absent

    std::vector<std::string> m_tokens;
    std::vector<float> m_scores;
    std::vector<Type> m_types;
    std::unordered_map<std::string, TokenId> m_ids;
    TokenId m_byteIds[256] = {};
    TokenId m_bos = 1;
    TokenId m_eos = 2;
    TokenId m_unk = 0;
    bool m_addBos = true;
    bool m_addSpacePrefix = true;
};

} // namespace ql
