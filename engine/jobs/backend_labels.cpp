#include "engine/jobs/backend_labels.h"

#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

namespace ql {
namespace {

constexpr std::string_view kHostNote = " + host (";

// "<base> + host (<count> <unit>[s] <why>)", as VulkanBackend::noteHostBlocks writes it.
struct HostNote {
    std::string base, unit, why;
    uint64_t count = 0;
};

std::optional<HostNote> parseHostNote(const std::string& label) {
    // The last note: a label may carry a host step of its format first ("+ host (row mean
    // squares) + host (3 blocks ...)"), which stays in the base.
    const size_t at = label.rfind(kHostNote);
    if (at == std::string::npos || label.back() != ')')
        return std::nullopt;
    size_t p = at + kHostNote.size();
    const size_t digits = p;
    while (p < label.size() && std::isdigit(static_cast<unsigned char>(label[p])))
        ++p;
    if (p == digits || p - digits > 18 || p >= label.size() || label[p] != ' ')
        return std::nullopt; // no count: a host step of the format, not of this tensor
    HostNote note;
    note.base = label.substr(0, at);
    note.count = std::stoull(label.substr(digits, p - digits));
    const size_t unitEnd = label.find(' ', p + 1);
    if (unitEnd == std::string::npos)
        return std::nullopt;
    note.unit = label.substr(p + 1, unitEnd - p - 1);
    if (note.count != 1 && !note.unit.empty() && note.unit.back() == 's')
        note.unit.pop_back();
    note.why = label.substr(unitEnd + 1, label.size() - unitEnd - 2);
    return note;
}

} // namespace

std::string combineBackendLabels(const std::vector<std::string>& labels, std::string_view separator,
                                 std::string_view parts) {
    using Key = std::tuple<std::string, std::string, std::string>; // base, unit, why
    std::map<Key, std::pair<uint64_t, int>> notes;                 // sum, tensors
    std::set<std::string> combined;
    for (const std::string& label : labels) {
        const std::optional<HostNote> note = parseHostNote(label);
        if (!note) {
            combined.insert(label);
            continue;
        }
        auto& [sum, tensors] = notes[Key{note->base, note->unit, note->why}];
        sum += note->count;
        ++tensors;
    }
    for (const auto& [key, total] : notes) {
        const auto& [base, unit, why] = key;
        const auto [sum, tensors] = total;
        std::string label = base + std::string(kHostNote) + std::to_string(sum) + " " + unit +
                            (sum == 1 ? "" : "s") + " " + why;
        if (tensors > 1)
            label += ", in " + std::to_string(tensors) + " " + std::string(parts);
        combined.insert(label + ")");
    }
    std::string out;
    for (const std::string& label : combined)
        out += (out.empty() ? "" : std::string(separator)) + label;
    return out;
}

} // namespace ql
