// libFuzzer target: evaluation-set files as Evaluate > Import Evaluation Set reads them.
// The first byte picks JSONL or separated text (separator "<|endoftext|>"); the rest is
// the file, read through the path-taking entry points the app uses.
#include "engine/core/error.h"
#include "engine/eval/eval_set_import.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0)
        return 0;
    const bool jsonl = data[0] % 2 == 0;
    const auto path = ql::fuzz::writeInput(jsonl ? "set.jsonl" : "set.txt", data + 1, size - 1);
    try {
        const auto examples =
            jsonl ? ql::readJsonlExamples(path) : ql::readSeparatedExamples(path, "<|endoftext|>");
        (void)examples.size();
        ql::fuzz::report("ok");
    } catch (const ql::Error& e) {
        ql::fuzz::report(e.what());
    }
    return 0;
}
