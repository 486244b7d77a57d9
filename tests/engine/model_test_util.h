#pragma once
// Helpers for the model reader tests: bytes to and from scratch files, patching fields
// of a GGUF image in place, and checking that an error names what it should.
#include "engine/core/error.h"

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

namespace ql::test {

inline void writeBytes(const std::filesystem::path& path, const std::vector<std::byte>& bytes,
                       size_t count = size_t(-1)) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()),
            std::streamsize(std::min(count, bytes.size())));
}

inline std::vector<std::byte> readBytes(const std::filesystem::path& path) {
    std::ifstream f(path, std::ios::binary);
    std::vector<std::byte> out(std::filesystem::file_size(path));
    f.read(reinterpret_cast<char*>(out.data()), std::streamsize(out.size()));
    return out;
}

inline std::vector<std::byte> bytesOf(const std::string& s) {
    std::vector<std::byte> out(s.size());
    std::memcpy(out.data(), s.data(), s.size());
    return out;
}

// Offset of the first occurrence of `needle` in `bytes` (which must contain it).
inline size_t find(const std::vector<std::byte>& bytes, const std::string& needle) {
    const auto n = bytesOf(needle);
    const auto it = std::search(bytes.begin(), bytes.end(), n.begin(), n.end());
    EXPECT_NE(it, bytes.end()) << needle;
    return size_t(it - bytes.begin());
}

template <typename T> void poke(std::vector<std::byte>& bytes, size_t offset, T value) {
    std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

// Runs fn, expects ql::Error, and checks that its message holds every fragment.
inline std::string expectError(const std::function<void()>& fn,
                               std::initializer_list<std::string> fragments) {
    try {
        fn();
    } catch (const ql::Error& e) {
        const std::string msg = e.what();
        if (std::getenv("QL_PRINT_ERRORS"))
            std::printf("    error: %s\n", msg.c_str());
        for (const auto& f : fragments)
            EXPECT_NE(msg.find(f), std::string::npos) << "'" << f << "' not in: " << msg;
        return msg;
    }
    ADD_FAILURE() << "no ql::Error thrown";
    return {};
}

} // namespace ql::test
