// libFuzzer target: any bytes as a .gguf model. Only ql::Error may leave Model::open, the
// tensor reads, the tokenizer built from the file's vocabulary (as perplexity does), or the
// VRAM fit of the model.
#include "engine/core/error.h"
#include "engine/eval/tokenizer.h"
#include "engine/fit/fit.h"
#include "engine/fit/shape_from_model.h"
#include "tests/fuzz/model_fuzz.h"

namespace {

void useTokenizer(const ql::Metadata& meta) {
    if (!meta.count("tokenizer.ggml.tokens"))
        return;
    const auto tokenizer = ql::Tokenizer::fromMetadata(meta);
    ql::TokenizeOptions options;
    options.parseSpecial = true;
    for (const ql::TokenId id :
         tokenizer.tokenize("Once upon a time <s> \xe2\x96\x81 </s>\xff", options))
        (void)tokenizer.piece(id);
    (void)tokenizer.fingerprint();
}

// What `quantlens-cli fit model.gguf` and the Compare view's VRAM fit do with the model.
void useFit(const ql::Model& model) {
    ql::fit::FitRequest request;
    request.gpuName = "H100";
    request.gpuBytes = uint64_t(80) << 30;
    (void)ql::fit::fitModel(ql::fit::shapeFromModel(model), request);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto path = ql::fuzz::writeInput("fuzz.gguf", data, size);
    try {
        const auto model = ql::Model::open(path);
        ql::fuzz::useModel(*model);
        useTokenizer(model->metadata());
        useFit(*model);
        ql::fuzz::report("ok");
    } catch (const ql::Error& e) {
        ql::fuzz::report(e.what());
    }
    return 0;
}
