// libFuzzer target: any bytes as an importance matrix (legacy .dat, or GGUF when the bytes
// start with its magic), then every entry's importance as llama-quantize would use it.
#include "engine/core/error.h"
#include "engine/quant/imatrix_file.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto path = ql::fuzz::writeInput("fuzz.imatrix", data, size);
    try {
        const ql::Imatrix m = ql::readImatrix(path);
        for (const auto& e : m.entries)
            (void)e.importance(m.format);
        (void)m.find("blk.0.attn_q.weight");
        ql::fuzz::report("ok");
    } catch (const ql::Error& e) {
        ql::fuzz::report(e.what());
    }
    return 0;
}
