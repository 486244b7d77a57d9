#include "engine/model/json_locate.h"

namespace ql {

namespace {

// A forward scanner over JSON text. Every step either advances or fails, so malformed text
// ends the search (nullopt) rather than looping or reading past the end.
class Scanner {
public:
    explicit Scanner(std::string_view text)
        : m_text(text) {
        if (m_text.starts_with("\xEF\xBB\xBF"))
            m_pos = 3; // nlohmann skips a UTF-8 byte order mark; offsets still count it
    }

    size_t pos() const { return m_pos; }
    void seek(size_t pos) { m_pos = pos; }

    // Skips whitespace; false at the end of the text.
    bool skipSpace() {
        while (m_pos < m_text.size() && isSpace(m_text[m_pos]))
            ++m_pos;
        return m_pos < m_text.size();
    }

    char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }

    bool consume(char c) {
        if (peek() != c)
            return false;
        ++m_pos;
        return true;
    }

    // The string starting at the current '"'; its decoded bytes go to `out` when given.
    bool readString(std::string* out) {
        if (!consume('"'))
            return false;
        while (m_pos < m_text.size()) {
            const char c = m_text[m_pos++];
            if (c == '"')
                return true;
            if (c != '\\') {
                if (out)
                    out->push_back(c);
            } else if (!readEscape(out)) {
                return false;
            }
        }
        return false;
    }

    // Past the value starting here: a string, an object or array (brackets counted, strings
    // inside skipped), or a number or literal.
    bool skipValue() {
        const char first = peek();
        if (first == '"')
            return readString(nullptr);
        if (first == '{' || first == '[') {
            uint64_t depth = 0;
            while (m_pos < m_text.size()) {
                const char c = m_text[m_pos];
                if (c == '"') {
                    if (!readString(nullptr))
                        return false;
                    continue;
                }
                ++m_pos;
                if (c == '{' || c == '[')
                    ++depth;
                else if ((c == '}' || c == ']') && --depth == 0)
                    return true;
            }
            return false;
        }
        const size_t start = m_pos;
        while (m_pos < m_text.size() && !isSpace(m_text[m_pos]) && m_text[m_pos] != ',' &&
               m_text[m_pos] != ']' && m_text[m_pos] != '}')
            ++m_pos;
        return m_pos > start;
    }

    // After a value inside a container: true, and at the next member, when a ',' follows;
    // false at the closing bracket or at anything else (the caller tells which).
    bool nextMember() {
        if (!skipSpace() || !consume(','))
            return false;
        return skipSpace();
    }

private:
    static bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

    bool hex4(uint32_t& v) {
        if (m_text.size() - m_pos < 4)
            return false;
        v = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = m_text[m_pos++];
            const int d = c >= '0' && c <= '9'   ? c - '0'
                          : c >= 'a' && c <= 'f' ? c - 'a' + 10
                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                 : -1;
            if (d < 0)
                return false;
            v = v * 16 + uint32_t(d);
        }
        return true;
    }

    // \uXXXX, with a surrogate pair when the first is a high surrogate.
    bool readUnicode(std::string* out) {
        uint32_t cp = 0;
        if (!hex4(cp) || (cp >= 0xDC00 && cp <= 0xDFFF))
            return false;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low = 0;
            if (!consume('\\') || !consume('u') || !hex4(low) || low < 0xDC00 || low > 0xDFFF)
                return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        if (out)
            appendUtf8(*out, cp);
        return true;
    }

    static void appendUtf8(std::string& out, uint32_t cp) {
        if (cp < 0x80) {
            out.push_back(char(cp));
        } else if (cp < 0x800) {
            out.push_back(char(0xC0 | (cp >> 6)));
            out.push_back(char(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(char(0xE0 | (cp >> 12)));
            out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(char(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(char(0xF0 | (cp >> 18)));
            out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(char(0x80 | (cp & 0x3F)));
        }
    }

    // The escape after a backslash.
    bool readEscape(std::string* out) {
        if (m_pos >= m_text.size())
            return false;
        const char c = m_text[m_pos++];
        char decoded = 0;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            decoded = c;
            break;
        case 'b':
            decoded = '\b';
            break;
        case 'f':
            decoded = '\f';
            break;
        case 'n':
            decoded = '\n';
            break;
        case 'r':
            decoded = '\r';
            break;
        case 't':
            decoded = '\t';
            break;
        case 'u':
            return readUnicode(out);
        default:
            return false;
        }
        if (out)
            out->push_back(decoded);
        return true;
    }

    std::string_view m_text;
    size_t m_pos = 0;
};

// From the '{' at the scanner's position to the value of the last member named `key`.
std::optional<size_t> findMember(Scanner& s, const std::string& key) {
    if (!s.consume('{') || !s.skipSpace())
        return std::nullopt;
    std::optional<size_t> found;
    if (s.peek() == '}')
        return found;
    std::string name;
    do {
        name.clear();
        if (!s.readString(&name) || !s.skipSpace() || !s.consume(':') || !s.skipSpace())
            return std::nullopt;
        if (name == key)
            found = s.pos(); // keep going: a later duplicate replaces it
        if (!s.skipValue())
            return std::nullopt;
    } while (s.nextMember());
    return s.peek() == '}' ? found : std::nullopt;
}

// From the '[' at the scanner's position to element `index`.
std::optional<size_t> findElement(Scanner& s, size_t index) {
    if (!s.consume('[') || !s.skipSpace() || s.peek() == ']')
        return std::nullopt;
    for (size_t i = 0;; ++i) {
        if (i == index)
            return s.pos();
        if (!s.skipValue() || !s.nextMember())
            return std::nullopt;
    }
}

} // namespace

std::optional<uint64_t> locateJsonValue(std::string_view text, const JsonPath& path) {
    Scanner s(text);
    if (!s.skipSpace())
        return std::nullopt;
    for (const JsonStep& step : path) {
        const std::optional<size_t> at = std::holds_alternative<std::string>(step)
                                             ? findMember(s, std::get<std::string>(step))
                                             : findElement(s, std::get<size_t>(step));
        if (!at)
            return std::nullopt;
        s.seek(*at);
    }
    return s.pos();
}

JsonPath jsonChild(JsonPath path, JsonStep step) {
    path.push_back(std::move(step));
    return path;
}

Error atJsonValue(const JsonValueError& e, std::string_view text, uint64_t base) {
    const auto at = locateJsonValue(text, e.path());
    if (!at)
        return Error(e.what());
    return Error(std::string(e.what()) + " (at byte " + groupDigits(base + *at) + ")");
}

} // namespace ql
