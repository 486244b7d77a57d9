// libFuzzer target: scorecard importers. The first byte picks the file kind (lm-eval
// results .json, long-format .csv or .jsonl), the column mapping (the default one, or one
// of those the real scorecards in the shared data need) and whether a variant name is
// given; the rest is the file. For lm-eval, bytes after a NUL (which JSON cannot hold)
// become the samples_arc_easy_*.jsonl beside the results.
#include "engine/core/error.h"
#include "engine/score/importer.h"
#include "tests/fuzz/fuzz_file.h"

#include <cstring>
#include <filesystem>

namespace {

const char* const kNames[] = {"results_2024-05-13T13-45-03.json", "scores.csv", "scores.jsonl"};
const char* const kSamples = "samples_arc_easy_2024-05-13T13-45-03.jsonl";
const char* const kMappings[] = {
    "",
    "variant=variant,group=model,slice=task,score=score",
    "variant=precision,group=base_model,score=gsm8k_exact_match_strict,n=limit,slice=const:gsm8k",
    "variant=method,group=model+table,slice=task,score=score",
};

std::filesystem::path writeFiles(uint8_t kind, const uint8_t* data, size_t size) {
    std::error_code ec;
    std::filesystem::remove(ql::fuzz::scratchDir() / kSamples, ec);
    if (kind != 0)
        return ql::fuzz::writeInput(kNames[kind], data, size);
    const auto* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
    if (nul)
        ql::fuzz::writeInput(kSamples, nul + 1, size_t(data + size - nul - 1));
    return ql::fuzz::writeInput(kNames[0], data, nul ? size_t(nul - data) : size);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0)
        return 0;
    const uint8_t selector = data[0];
    const auto path = writeFiles(selector % 3, data + 1, size - 1);
    try {
        ql::score::ImportOptions options;
        if (selector & 0x80)
            options.variantName = "fuzz";
        options.baseline = "bf16";
        if (const char* mapping = kMappings[(selector / 3) % 4]; *mapping)
            options.mapping = ql::score::parseMapping(mapping);
        (void)ql::score::importFile(path, options);
        ql::fuzz::report("ok");
    } catch (const ql::Error& e) {
        ql::fuzz::report(e.what());
    }
    return 0;
}
