#pragma once
// quantlens-cli sub-commands. Each returns the process exit code; errors are thrown as
// ql::Error and printed on stderr by main.
#include <string>

namespace ql::cli {

struct InspectOptions {
    std::string model;
    bool json = false;
};

struct QuantizeOptions {
    std::string model;
    std::string format;
    std::string workspace; // empty: an in-memory workspace, nothing kept
    std::string device = "auto";
    bool json = false;
};

struct DemoOptions {
    std::string output;
};

int runInspect(const InspectOptions& options);
int runQuantize(const QuantizeOptions& options);
int runFormats(bool json);
int runDemo(const DemoOptions& options);

} // namespace ql::cli
