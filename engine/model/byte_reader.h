#pragma once
// A bounds-checked little-endian cursor over a mapped file. Every read checks the
// remaining bytes first, so a truncated or lying file ends in a ql::Error that names
// the file, the field and the byte offset, never in an out-of-bounds read.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace ql {

class ByteReader {
public:
    ByteReader(std::span<const std::byte> data, std::string fileLabel)
        : m_data(data)
        , m_label(std::move(fileLabel)) {}

    uint64_t offset() const { return m_offset; }
    uint64_t size() const { return m_data.size(); }
    uint64_t remaining() const { return m_data.size() - m_offset; }
    const std::string& label() const { return m_label; }

    template <typename T> T read(std::string_view what) {
        static_assert(std::is_trivially_copyable_v<T>);
        require(sizeof(T), what);
        T v;
        std::memcpy(&v, m_data.data() + m_offset, sizeof(T)); // host is little-endian
        m_offset += sizeof(T);
        return v;
    }

    // The next value without moving; the caller has checked that it is there.
    template <typename T> T peek() const {
        T v;
        std::memcpy(&v, m_data.data() + m_offset, sizeof(T));
        return v;
    }

    // A GGUF string: uint64 length then bytes. The length is checked against the
    // remaining bytes before anything is allocated.
    std::string readString(std::string_view what);
    void skip(uint64_t n, std::string_view what);
    void seek(uint64_t offset) { m_offset = offset; }

    // Throws unless n more bytes are there.
    void require(uint64_t n, std::string_view what) const;
    [[noreturn]] void fail(const std::string& message) const;
    [[noreturn]] void failAt(uint64_t offset, const std::string& message) const;

private:
    std::span<const std::byte> m_data;
    std::string m_label;
    uint64_t m_offset = 0;
};

} // namespace ql
