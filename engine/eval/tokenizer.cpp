#include "engine/eval/tokenizer.h"

#include "engine/core/error.h"

#include <charconv>
#include <cstdio>
#include <optional>
#include <queue>
#include <xxhash.h>

namespace ql {

namespace {

const std::string kSpace = "\xE2\x96\x81"; // U+2581, SentencePiece's visible space

// Bytes in the UTF-8 sequence that starts with b; stray continuation bytes count as 1.
size_t utf8Length(unsigned char b) {
    static const uint8_t lengths[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return lengths[b >> 4];
}

// The byte a "<0xNN>" piece stands for; nullopt for any other text (a vocabulary may mark
// any token as a byte token, so the text is checked, not trusted).
std::optional<char> bytePiece(const std::string& s) {
    unsigned value = 0;
    if (s.size() != 6 || s.compare(0, 3, "<0x") != 0 || s[5] != '>')
        return std::nullopt;
    const auto [end, ec] = std::from_chars(s.data() + 3, s.data() + 5, value, 16);
    if (ec != std::errc() || end != s.data() + 5)
        return std::nullopt;
    return char(value);
}

const std::vector<MetaValue>& requireArray(const Metadata& meta, const std::string& key) {
    const auto it = meta.find(key);
    const std::vector<MetaValue>* items = it == meta.end() ? nullptr : it->second.asArray();
    if (!items)
        throw Error("tokenizer: metadata has no array '" + key + "'");
    return *items;
}

int64_t intOr(const Metadata& meta, const std::string& key, int64_t fallback) {
    const auto it = meta.find(key);
    if (it == meta.end())
        return fallback;
    if (const auto* b = std::get_if<bool>(&it->second.value))
        return *b ? 1 : 0;
    return it->second.asInt().value_or(fallback);
}

// One piece of the text being merged: a byte range and its neighbours in the list.
struct Symbol {
    int prev;
    int next;
    size_t offset;
    size_t length;
};

struct Bigram {
    int left;
    int right;
    float score;
    size_t length;
};

// Highest score first; among equal scores the leftmost pair.
struct BigramOrder {
    bool operator()(const Bigram& a, const Bigram& b) const {
        return a.score < b.score || (a.score == b.score && a.left > b.left);
    }
};

} // namespace

Tokenizer Tokenizer::fromMetadata(const Metadata& meta) {
    const auto model = meta.find("tokenizer.ggml.model");
    if (model != meta.end() && model->second.asString() && *model->second.asString() != "llama")
        throw Error("tokenizer: model '" + *model->second.asString() +
                    "' is not supported (only SentencePiece 'llama')");
    Tokenizer t;
    const auto& tokens = requireArray(meta, "tokenizer.ggml.tokens");
    const auto& scores = requireArray(meta, "tokenizer.ggml.scores");
    const auto types = meta.count("tokenizer.ggml.token_type")
                           ? requireArray(meta, "tokenizer.ggml.token_type")
                           : std::vector<MetaValue>{};
    t.m_tokens.reserve(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) {
        const std::string* s = tokens[i].asString();
        t.m_tokens.push_back(s ? *s : std::string());
        t.m_scores.push_back(i < scores.size() ? float(scores[i].asDouble().value_or(0)) : 0.f);
        t.m_types.push_back(i < types.size() ? Type(types[i].asInt().value_or(1)) : Type::Normal);
    }
    // A text listed twice maps to its last id, as in llama.cpp.
    for (size_t i = 0; i < t.m_tokens.size(); ++i)
        t.m_ids[t.m_tokens[i]] = TokenId(i);
    t.m_bos = TokenId(intOr(meta, "tokenizer.ggml.bos_token_id", 1));
    t.m_eos = TokenId(intOr(meta, "tokenizer.ggml.eos_token_id", 2));
    t.m_unk = TokenId(intOr(meta, "tokenizer.ggml.unknown_token_id", 0));
    t.m_addBos = intOr(meta, "tokenizer.ggml.add_bos_token", 1) != 0;
    t.m_addSpacePrefix = intOr(meta, "tokenizer.ggml.add_space_prefix", 1) != 0;
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        const TokenId id = t.find(name);
        t.m_byteIds[b] = id >= 0 ? id : t.m_unk;
    }
    return t;
}

TokenId Tokenizer::find(std::string_view piece) const {
    const auto it = m_ids.find(std::string(piece));
    return it == m_ids.end() ? -1 : it->second;
}

std::vector<TokenId> Tokenizer::tokenize(std::string_view text,
                                         const TokenizeOptions& options) const {
    std::vector<TokenId> out;
    if (options.addBos && m_addBos)
        out.push_back(m_bos);
    if (text.empty())
        return out;
    if (!options.parseSpecial) {
        tokenizeFragment(text, out);
        return out;
    }
    // Split on the texts of control, unknown and user-defined tokens, longest first at
    // each position; the text after a special token gets its own space prefix again.
    size_t start = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        TokenId best = -1;
        size_t bestLength = 0;
        for (size_t i = 0; i < m_tokens.size(); ++i) {
            const Type type = m_types[i];
            if (type != Type::Control && type != Type::Unknown && type != Type::UserDefined)
                continue;
            const std::string& s = m_tokens[i];
            if (!s.empty() && s.size() > bestLength && text.substr(pos, s.size()) == s) {
                best = TokenId(i);
                bestLength = s.size();
            }
        }
        if (best < 0) {
            ++pos;
            continue;
        }
        if (pos > start)
            tokenizeFragment(text.substr(start, pos - start), out);
        out.push_back(best);
        pos += bestLength;
        start = pos;
    }
    if (start < text.size())
        tokenizeFragment(text.substr(start), out);
    return out;
}

void Tokenizer::tokenizeFragment(std::string_view raw, std::vector<TokenId>& out) const {
    std::string text;
    text.reserve(raw.size() + raw.size() / 4 + 4);
    if (m_addSpacePrefix)
        text += kSpace;
    for (char c : raw) {
        if (c == ' ')
            text += kSpace;
        else
            text += c;
    }

    std::vector<Symbol> symbols;
    for (size_t off = 0; off < text.size();) {
        const size_t len =
            std::min(utf8Length(static_cast<unsigned char>(text[off])), text.size() - off);
        const int index = int(symbols.size());
        symbols.push_back({index - 1, index + 1, off, len});
        off += len;
    }
    if (!symbols.empty())
        symbols.back().next = -1;

    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
    const auto tryAdd = [&](int left, int right) {
        if (left < 0 || right < 0)
            return;
        const size_t length = symbols[size_t(left)].length + symbols[size_t(right)].length;
        const auto it = m_ids.find(text.substr(symbols[size_t(left)].offset, length));
        if (it == m_ids.end())
            return;
        queue.push({left, right, m_scores[size_t(it->second)], length});
    };
    for (int i = 1; i < int(symbols.size()); ++i)
        tryAdd(i - 1, i);

    while (!queue.empty()) {
        const Bigram b = queue.top();
        queue.pop();
        Symbol& left = symbols[size_t(b.left)];
        Symbol& right = symbols[size_t(b.right)];
        // Entries go stale when either side was merged since they were queued.
        if (left.length == 0 || right.length == 0 || left.length + right.length != b.length)
            continue;
        left.length += right.length;
        right.length = 0;
        left.next = right.next;
        if (right.next >= 0)
            symbols[size_t(right.next)].prev = b.left;
        tryAdd(left.prev, b.left);
        tryAdd(b.left, left.next);
    }

    for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[size_t(i)].next) {
        const Symbol& s = symbols[size_t(i)];
        const std::string_view piece = std::string_view(text).substr(s.offset, s.length);
        const TokenId id = find(piece);
        if (id >= 0)
            out.push_back(id);
        else
            appendBytes(piece, out);
    }
}

void Tokenizer::appendBytes(std::string_view bytes, std::vector<TokenId>& out) const {
    for (char c : bytes)
        out.push_back(m_byteIds[static_cast<unsigned char>(c)]);
}

std::string Tokenizer::piece(TokenId id) const {
    if (id < 0 || id >= vocabSize())
        return {};
    const std::string& s = m_tokens[size_t(id)];
    if (const auto byte = m_types[size_t(id)] == Type::Byte ? bytePiece(s) : std::nullopt)
        return std::string(1, *byte);
    std::string out;
    for (size_t i = 0; i < s.size();) {
        if (s.compare(i, kSpace.size(), kSpace) == 0) {
            out += ' ';
            i += kSpace.size();
        } else {
            out += s[i++];
        }
    }
    return out;
}

std::string Tokenizer::fingerprint() const {
    XXH64_state_t* state = XXH64_createState();
    XXH64_reset(state, 0);
    for (size_t i = 0; i < m_tokens.size(); ++i) {
        const uint64_t length = m_tokens[i].size();
        XXH64_update(state, &length, sizeof length);
        XXH64_update(state, m_tokens[i].data(), m_tokens[i].size());
        XXH64_update(state, &m_scores[i], sizeof(float));
        XXH64_update(state, &m_types[i], sizeof(Type));
    }
    const int32_t flags[5] = {m_bos, m_eos, m_unk, m_addBos ? 1 : 0, m_addSpacePrefix ? 1 : 0};
    XXH64_update(state, flags, sizeof flags);
    const XXH64_hash_t h = XXH64_digest(state);
    XXH64_freeState(state);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return hex;
}

} // namespace ql
