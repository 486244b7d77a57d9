#pragma once
// The fit model's view of an opened GGUF or safetensors model: its real tensors (shape,
// storage type, bytes) and the attention shape from its config.
#include "engine/fit/model_shape.h"

namespace ql {
class Model;
}

namespace ql::fit {

ModelShape shapeFromModel(const Model& model);
// By name and shape: token_embd / embed_tokens, output / lm_head, ffn_gate_inp / router,
// 1-D tensors; all other matrices are Linear.
TensorRole roleOfTensor(const std::string& name, size_t dims);

} // namespace ql::fit
