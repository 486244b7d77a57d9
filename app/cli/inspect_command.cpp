#include "app/cli/commands.h"
#include "app/cli/output.h"
#include "engine/model/model.h"

#include <iostream>

namespace ql::cli {

int runInspect(const InspectOptions& options) {
    const auto model = Model::open(options.model);
    if (options.json) {
        std::cout << modelJson(*model).dump(2) << "\n";
        return 0;
    }
    printModelSummary(std::cout, *model);
    printTensorTable(std::cout, *model);
    return 0;
}

} // namespace ql::cli
