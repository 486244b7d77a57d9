#pragma once
// What the app does with a model it has opened: list every tensor, show the metadata,
// and read each tensor's values. Used by the GGUF and safetensors targets.
#include "engine/model/model.h"
#include "tests/fuzz/fuzz_file.h"

namespace ql::fuzz {

inline void useModel(const Model& model) {
    for (const auto& [key, value] : model.metadata())
        (void)value.toDisplayString();
    (void)model.parameterCount();
    (void)model.fileBytes();
    for (const auto& t : model.tensors()) {
        (void)t.matrices();
        if (t.elements() <= kMaxReadElements)
            (void)model.readF32(t);
    }
}

} // namespace ql::fuzz
