#pragma once
// How the tokens of one evaluation example are cut into windows and which positions
// are scored.
//
// An example is tokenized on its own, BOS first ([BOS, t1 .. tn], as llama-perplexity
// tokenizes a whole text). An example longer than the context is cut as llama-perplexity
// cuts a text: consecutive windows of n_ctx tokens, no overlap, each an independent
// sequence whose first token is replaced by BOS, and in every window after the first only
// the second half (positions n_ctx/2 .. end) is scored, so that every scored token there
// has at least n_ctx/2 tokens of context, as in llama-perplexity.
//
// The first window is where the two scorings differ:
//  - Document (the default): the first window scores every token from t1 on. llama-
//    perplexity leaves the first half of a chunk unscored because a chunk cut out of a
//    running text has lost its real context; the first window of an example has lost
//    nothing (the document starts there), and its opening tokens are part of what the
//    model is asked to predict in use (lm-evaluation-harness's loglikelihood_rolling
//    scores them too). Short examples (fewer tokens than n_ctx, most sets at most
//    contexts) are thus scored whole. A tail window shorter than n_ctx is kept and
//    scored from n_ctx/2 on when it reaches that far.
//  - LlamaPerplexity: llama-perplexity exactly: whole windows only (a tail is dropped,
//    an example shorter than n_ctx scores nothing), the second half of each. A set whose
//    one example is a whole text scores exactly what `quantlens-cli perplexity` does.
#include "engine/eval/eval_set.h"

#include <cstdint>
#include <vector>

namespace ql {

struct ExampleWindow {
    int64_t begin = 0;  // index of the window's first token in the example's tokens
    int64_t length = 0; // tokens evaluated
    int64_t first = 0;  // logits rows first .. length-2 predict tokens first+1 .. length-1
    int64_t scored() const { return length - 1 - first; }
};

// Windows with at least one scored token, in order; empty when nothing is scored.
std::vector<ExampleWindow> planExampleWindows(int64_t nTokens, const EvalSettings& settings);

} // namespace ql
