#include "engine/model/byte_reader.h"

#include "engine/core/error.h"

namespace ql {

void ByteReader::require(uint64_t n, std::string_view what) const {
    if (n <= remaining())
        return;
    fail(std::string(what) + " needs " + groupDigits(n) + " bytes, but the file ends at byte " +
         groupDigits(size()) + " (truncated?)");
}

std::string ByteReader::readString(std::string_view what) {
    const uint64_t start = m_offset;
    const auto length = read<uint64_t>(std::string(what) + " (length)");
    if (length > remaining())
        failAt(start, std::string(what) + " claims " + groupDigits(length) + " bytes, but only " +
                          groupDigits(remaining()) + " remain in the file");
    std::string s(reinterpret_cast<const char*>(m_data.data() + m_offset), size_t(length));
    m_offset += length;
    return s;
}

void ByteReader::skip(uint64_t n, std::string_view what) {
    require(n, what);
    m_offset += n;
}

void ByteReader::fail(const std::string& message) const {
    failAt(m_offset, message);
}

void ByteReader::failAt(uint64_t offset, const std::string& message) const {
    throw Error(m_label + ": " + message + " (at byte " + groupDigits(offset) + ")");
}

} // namespace ql
