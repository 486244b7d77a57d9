#pragma once
// A read-only memory map of a whole file. Tensor views point into it (zero copy), so
// it must outlive them; Model keeps its MappedFiles alive for that reason.
#include <cstddef>
#include <filesystem>
#include <span>

namespace ql {

class MappedFile {
public:
    explicit MappedFile(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    std::span<const std::byte> bytes() const { return {m_data, m_size}; }
    size_t size() const { return m_size; }

private:
    std::filesystem::path m_path;
    const std::byte* m_data = nullptr;
    size_t m_size = 0;
};

} // namespace ql
