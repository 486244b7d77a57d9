// libFuzzer target: any bytes as model.safetensors (no config.json beside it), opened
// both as the file and as the folder holding it.
#include "engine/core/error.h"
#include "tests/fuzz/model_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto path = ql::fuzz::writeInput("model.safetensors", data, size);
    try {
        const auto model = ql::Model::open(path);
        ql::fuzz::useModel(*model);
        ql::fuzz::report("ok");
    } catch (const ql::Error& e) {
        ql::fuzz::report(e.what());
    }
    return 0;
}
