#pragma once
// Sets an environment variable for a scope and restores the old value (or its absence).
#include <cstdlib>
#include <optional>
#include <string>

namespace ql::test {

class EnvironmentVariable {
public:
    EnvironmentVariable(const char* name, const std::string& value)
        : m_name(name) {
        if (const char* old = std::getenv(name))
            m_old = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~EnvironmentVariable() {
        if (m_old)
            ::setenv(m_name, m_old->c_str(), 1);
        else
            ::unsetenv(m_name);
    }
    EnvironmentVariable(const EnvironmentVariable&) = delete;
    EnvironmentVariable& operator=(const EnvironmentVariable&) = delete;

private:
    const char* m_name;
    std::optional<std::string> m_old;
};

} // namespace ql::test
