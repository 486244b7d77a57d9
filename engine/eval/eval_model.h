#pragma once
// A model ready for the evaluators: a model file, or a workspace variant, whose weights
// are rebuilt here by quantizing the variant's source model with the variant's format
// (per tensor the storage format its metrics record, fallbacks included) on the scalar
// reference path and dequantizing: the same values the quantize job measured, since
// every backend reproduces the reference code for code. Variants store no weights.
// A variant quantized with an importance matrix is rebuilt with that file (its path and
// xxh64 are in the variant's parameters); a missing or changed file is an error.
#include "engine/eval/llama_forward.h"
#include "engine/model/model.h"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace ql {

class Workspace;

struct EvalModel {
    std::unique_ptr<Model> model;
    Tokenizer tokenizer;
    std::unique_ptr<LlamaForward> forward;
    std::string label;    // for scorecards: the file's stem, or "<format>#<variant id>"
    std::string weights;  // "original", or the variant's format name
    std::string identity; // model content hash | weights | forward options | tokenizer
    std::optional<int64_t> variantId;
};

// spec: a model file or folder that exists; otherwise, in ws, a variant id ("3") or a
// format name that exactly one variant has ("int8"). Throws ql::Error saying which.
EvalModel openEvalModel(const std::string& spec, const Workspace* ws);

// The variant of a model file that `format` gives; storage maps a tensor name to the
// format its metrics say it was stored in (absent: the format or its fallback).
EvalModel openQuantizedModel(const std::filesystem::path& modelPath, const std::string& format,
                             const std::map<std::string, std::string>& storage = {});

} // namespace ql
