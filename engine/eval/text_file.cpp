#include "engine/eval/text_file.h"

#include "engine/core/error.h"

#include <fstream>
#include <sstream>

namespace ql {

std::string readEvalText(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error("cannot open text file " + path.string());
    std::ostringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    if (!text.empty() && text.back() == '\n')
        text.pop_back();
    return text;
}

} // namespace ql
