// libFuzzer target: any bytes as a Hugging Face config.json, read into a model shape and
// fitted to a GPU as `quantlens-cli fit config.json` does.
#include "engine/core/error.h"
#include "engine/fit/fit.h"
#include "engine/fit/hf_config.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto path = ql::fuzz::writeInput("config.json", data, size);
    try {
        const auto shape = ql::fit::shapeFromHfConfigFile(path);
        ql::fit::FitRequest request;
        request.gpuName = "H100";
        request.gpuBytes = uint64_t(80) << 30;
        (void)ql::fit::fitModel(shape, request);
        ql::fuzz::report("ok");
    } catch (const ql::Error& e) {
        ql::fuzz::report(e.what());
    }
    return 0;
}
