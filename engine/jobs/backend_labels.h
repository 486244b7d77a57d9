#pragma once
// One label for the backends the parts of a job ran on (a tensor's chunks, a variant's
// tensors). Each part's label is ComputeBackend::label(), with the device backend's note of
// the blocks or groups the host took over: "vulkan (dev) + host (12 groups ...)"; joined as
// they are, a variant's label would repeat the device once per distinct count. Labels that
// differ only in that count are merged, the counts summed over every part.
#include <string>
#include <string_view>
#include <vector>

namespace ql {

// One entry per part (repeats included): a tensor's label comes from its chunks' labels, and
// a variant's from every chunk's (not from its tensors' combined labels, which this would
// not parse back). The last " + host (" of a label is the note; an earlier one (a host step
// of the format) stays in the base. The distinct labels, sorted, joined by
// `separator`, with "<base> + host (<N> <unit>[s] <why>)" labels of the same base, unit and
// reason summed into "<base> + host (<sum> <unit>[s] <why>, in <k> <parts>)" (k parts had
// such a note; ", in ..." only when k > 1). Other labels pass unchanged.
std::string combineBackendLabels(const std::vector<std::string>& labels, std::string_view separator,
                                 std::string_view parts);

} // namespace ql
