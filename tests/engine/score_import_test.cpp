// Importers: the real CSVs in shared/data/scorecards (counts pinned from an independent
// count with python's csv module), lm-eval fixtures written here, and bad input.
#include "engine/core/error.h"
#include "engine/score/importer.h"
#include "engine/score/stats.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace ql::score;
using ::testing::HasSubstr;

namespace {

std::filesystem::path scorecards(const std::string& name) {
    return ql::test::dataDir() / "scorecards" / name;
}

void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
}

const Scorecard& named(const std::vector<Scorecard>& cards, const std::string& name) {
    for (const auto& c : cards)
        if (c.name == name)
            return c;
    throw std::runtime_error("no scorecard " + name);
}

size_t totalCells(const std::vector<Scorecard>& cards) {
    size_t n = 0;
    for (const auto& c : cards)
        n += c.cells.size();
    return n;
}

std::string importError(const std::filesystem::path& file, const ImportOptions& o) {
    try {
        importFile(file, o);
    } catch (const ql::Error& e) {
        return e.what();
    }
    return "no error";
}

} // namespace

TEST(ScoreImport, AutoroundGgufCsvOneScorecardPerModel) {
    QL_REQUIRE_DATA();
    ImportOptions o;
    o.mapping = parseMapping("group=model,variant=variant,slice=task,score=score,"
                             "dimension=const:acc,evaluator=eval_setup");
    o.baseline = "bf16*";
    const auto cards = importFile(scorecards("autoround_gguf_per_task_acc.csv"), o);
    ASSERT_EQ(cards.size(), 3u);
    EXPECT_EQ(totalCells(cards), 242u);
    const auto& qwen = named(cards, "Qwen3-8B");
    EXPECT_EQ(qwen.cells.size(), 77u);
    EXPECT_EQ(qwen.variants().size(), 7u);
    EXPECT_EQ(qwen.slices().size(), 11u);
    EXPECT_EQ(qwen.baseline, "bf16");
    EXPECT_EQ(qwen.evaluator, "lm-eval 0.4.9.1, 0-shot, transformers 4.57.6");
    EXPECT_THAT(qwen.evalSetVersion, HasSubstr("file:"));
    const auto* avg = qwen.find("bf16", "acc", "Average");
    ASSERT_NE(avg, nullptr);
    EXPECT_EQ(avg->kind, CellKind::ReportedAggregate); // printed average, not a slice
    EXPECT_DOUBLE_EQ(avg->score, 0.6329);
    EXPECT_DOUBLE_EQ(qwen.find("bf16", "acc", "arc_challenge")->score, 0.5563);
    const auto& llama = named(cards, "Llama-3.1-8B");
    EXPECT_EQ(llama.cells.size(), 88u);
    EXPECT_EQ(llama.variants().size(), 8u);
    EXPECT_EQ(llama.baseline, "BF16 (Base 1)");
    EXPECT_EQ(named(cards, "Qwen2.5-7B-Instruct").baseline, "BF16");
    // The computed aggregate over the 10 task slices, not the printed "Average" row.
    const auto agg = aggregate(qwen, "bf16", "acc");
    ASSERT_TRUE(agg);
    EXPECT_EQ(agg->cells, 10);
    EXPECT_NEAR(agg->score, 0.6329, 0.001);
}

TEST(ScoreImport, AutoroundPaperCsvInPercentWithCrlf) {
    QL_REQUIRE_DATA();
    ImportOptions o;
    o.mapping = parseMapping("group=table+model,variant=method,slice=task,score=score,"
                             "dimension=const:acc");
    o.baseline = "FP16";
    o.scoreScale = 0.01;
    const auto cards = importFile(scorecards("autoround_paper_methods_per_task_acc.csv"), o);
    ASSERT_EQ(cards.size(), 32u); // 4 tables x 8 models
    EXPECT_EQ(totalCells(cards), 2304u);
    const std::string w4 =
        "1. Accuracies across 11 tasks(0-shot) of LLaMA and Mistral models at W4G-1.";
    const auto& mistral = named(cards, w4 + " / Mistral-7B");
    EXPECT_EQ(mistral.cells.size(), 84u);
    EXPECT_EQ(mistral.variants().size(), 7u);
    EXPECT_EQ(mistral.slices().size(), 12u);
    EXPECT_EQ(mistral.baseline, "FP16");
    EXPECT_NEAR(mistral.find("FP16", "acc", "Mmlu")->score, 0.6135, 1e-12);
    EXPECT_EQ(mistral.find("FP16", "acc", "Avg.")->kind, CellKind::ReportedAggregate);
    EXPECT_EQ(named(cards, w4 + " / V1-7B").cells.size(), 60u);
    for (const auto& c : cards)
        EXPECT_EQ(c.baseline, "FP16") << c.name;
}

TEST(ScoreImport, VllmGsm8kWideWithSampleLimitPerRow) {
    QL_REQUIRE_DATA();
    ImportOptions o;
    o.mapping = parseMapping("group=base_model,variant=precision,slice=const:gsm8k,"
                             "score=gsm8k_exact_match_strict,score=gsm8k_exact_match_flexible,"
                             "n=limit");
    o.baseline = "unquantized*";
    const auto cards = importFile(scorecards("vllm_gsm8k_precision_variants.csv"), o);
    ASSERT_EQ(cards.size(), 4u);
    EXPECT_EQ(totalCells(cards), 32u); // 16 rows x 2 score columns
    const auto& llama = named(cards, "Meta-Llama-3-8B-Instruct");
    EXPECT_EQ(llama.variants().size(), 8u);
    EXPECT_EQ(llama.dimensions().size(), 2u);
    EXPECT_EQ(llama.slices(), std::vector<std::string>{"gsm8k"});
    EXPECT_EQ(llama.baseline, "unquantized (run with HF baseline script)");
    const auto* base = llama.find(llama.baseline, "gsm8k_exact_match_strict", "gsm8k");
    const auto* fp8 = llama.find("FP8", "gsm8k_exact_match_strict", "gsm8k");
    ASSERT_TRUE(base && fp8);
    EXPECT_EQ(base->n, 250);
    EXPECT_EQ(fp8->n, 1000);
    const auto c = compareCells(*base, *fp8);
    EXPECT_EQ(c.method, StatMethod::TwoProportion);
    EXPECT_NEAR(c.delta, -0.003, 1e-12);
    EXPECT_EQ(named(cards, "Mixtral-8x7B-Instruct-v0.1").variants().size(), 4u);
    EXPECT_EQ(named(cards, "Minitron-4B-Base").baseline, "unquantized");
    EXPECT_EQ(named(cards, "Qwen2-57B-A14B-Instruct").baseline, ""); // it has none
}

namespace {

const char* kTs = "2024-05-13T13-45-03.906112";

std::string resultsJson(double arcAcc, const std::string& arcVersion) {
    return R"({
  "results": {
    "arc_easy": {"alias": "arc_easy", "acc,none": )" +
           std::to_string(arcAcc) + R"(, "acc_stderr,none": 0.0082,
                 "acc_norm,none": 0.7681, "acc_norm_stderr,none": 0.0087},
    "gsm8k": {"alias": "gsm8k", "exact_match,strict-match": 0.7566,
              "exact_match_stderr,strict-match": 0.0118,
              "exact_match,flexible-extract": 0.7619,
              "exact_match_stderr,flexible-extract": 0.0117},
    "mmlu": {"alias": "mmlu", "acc,none": 0.6389, "acc_stderr,none": 0.0038},
    "mmlu_stem": {"alias": " - stem", "acc,none": 0.5439, "acc_stderr,none": 0.0086},
    "mmlu_humanities": {"alias": " - humanities", "acc,none": 0.5862,
                        "acc_stderr,none": "N/A"}
  },
  "groups": {"mmlu": {"alias": "mmlu", "acc,none": 0.6389, "acc_stderr,none": 0.0038}},
  "group_subtasks": {"mmlu": ["mmlu_stem", "mmlu_humanities"], "arc_easy": [], "gsm8k": []},
  "configs": {"arc_easy": {"task": "arc_easy", "num_fewshot": 0}},
  "versions": {"arc_easy": )" +
           arcVersion + R"(, "gsm8k": 3.0, "mmlu": 2, "mmlu_stem": 2, "mmlu_humanities": 2},
  "n-shot": {"arc_easy": 0, "gsm8k": 5, "mmlu": 0, "mmlu_stem": 0, "mmlu_humanities": 0},
  "higher_is_better": {"arc_easy": {"acc": true, "acc_norm": true}},
  "n-samples": {"arc_easy": {"original": 2376, "effective": 2376},
                "gsm8k": {"original": 1319, "effective": 1319},
                "mmlu_stem": {"original": 3153, "effective": 3153},
                "mmlu_humanities": {"original": 4705, "effective": 4705}},
  "config": {"model": "hf", "model_args": "pretrained=meta-llama/Meta-Llama-3-8B-Instruct,dtype=float16",
             "batch_size": "auto", "limit": null},
  "git_hash": "a4b3c2d",
  "date": 1715607903.0,
  "model_name": "meta-llama/Meta-Llama-3-8B-Instruct"
})";
}

std::string sampleLine(int doc, double acc, double accNorm) {
    return R"({"doc_id": )" + std::to_string(doc) +
           R"(, "doc": {"question": "q"}, "target": "0", "arguments": [["q", " a"]], )"
           R"("resps": [[["-1.5", "False"]]], "filtered_resps": [["-1.5", "False"]], )"
           R"("filter": "none", "metrics": ["acc", "acc_norm"], "acc": )" +
           std::to_string(acc) + R"(, "acc_norm": )" + std::to_string(accNorm) +
           R"(, "doc_hash": "ab", "prompt_hash": "cd", "target_hash": "ef"})";
}

} // namespace

TEST(ScoreImport, LmEvalResultsWithGroupsAndSamples) {
    ql::test::TempDir dir;
    const auto results = dir / (std::string("results_") + kTs + ".json");
    write(results, resultsJson(0.8013, "1.0"));
    std::string samples;
    for (int i = 0; i < 4; ++i)
        samples += sampleLine(i, i % 2 ? 1.0 : 0.0, 1.0) + "\n";
    write(dir / (std::string("samples_arc_easy_") + kTs + ".jsonl"), samples);

    ImportOptions o;
    o.variantName = "fp16";
    o.baseline = "fp16";
    const auto cards = importFile(results, o);
    ASSERT_EQ(cards.size(), 1u);
    const Scorecard& c = cards[0];
    EXPECT_EQ(c.variants(), std::vector<std::string>{"fp16"});
    EXPECT_EQ(c.slices().size(), 5u);
    EXPECT_EQ(c.cells.size(), 7u); // arc_easy 2 + gsm8k 2 + mmlu 1 + its 2 subtasks 1 each
    EXPECT_EQ(c.evaluator, "lm-evaluation-harness");
    EXPECT_THAT(c.evalSetVersion, HasSubstr("arc_easy v1.0 0-shot"));
    EXPECT_THAT(c.evalSetVersion, HasSubstr("gsm8k v3.0 5-shot"));
    const auto* arc = c.find("fp16", "acc", "arc_easy");
    ASSERT_NE(arc, nullptr);
    EXPECT_DOUBLE_EQ(arc->score, 0.8013);
    EXPECT_DOUBLE_EQ(*arc->stdError, 0.0082);
    EXPECT_EQ(arc->n, 2376);
    EXPECT_EQ(arc->examples.size(), 4u);
    EXPECT_EQ(arc->examples[1].id, "1");
    EXPECT_DOUBLE_EQ(arc->examples[1].value, 1.0);
    EXPECT_EQ(c.find("fp16", "acc_norm", "arc_easy")->examples.size(), 4u);
    const auto* strict = c.find("fp16", "exact_match,strict-match", "gsm8k");
    ASSERT_NE(strict, nullptr);
    EXPECT_DOUBLE_EQ(*strict->stdError, 0.0118);
    const auto* mmlu = c.find("fp16", "acc", "mmlu");
    EXPECT_EQ(mmlu->kind, CellKind::Group);
    EXPECT_EQ(mmlu->n, 3153 + 4705);
    EXPECT_FALSE(c.find("fp16", "acc", "mmlu_humanities")->stdError); // "N/A"
}

TEST(ScoreImport, LmEvalVariantNameFromTheFileAndMergeRules) {
    ql::test::TempDir dir;
    write(dir / "results_a.json", resultsJson(0.80, "1.0"));
    write(dir / "results_b.json", resultsJson(0.79, "1.0"));
    write(dir / "results_c.json", resultsJson(0.79, "2.0"));
    const Scorecard a = importLmEval(dir / "results_a.json", {});
    EXPECT_EQ(a.variants()[0], "meta-llama/Meta-Llama-3-8B-Instruct");
    ImportOptions asInt8;
    asInt8.variantName = "int8";
    const Scorecard b = importLmEval(dir / "results_b.json", asInt8);
    EXPECT_NO_THROW(checkCanMerge(a, b));
    EXPECT_THROW(checkCanMerge(a, a), ql::Error); // same variant twice
    const Scorecard c = importLmEval(dir / "results_c.json", asInt8);
    try {
        checkCanMerge(a, c);
        FAIL() << "a different task version must not merge";
    } catch (const ql::Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("evaluation set"));
    }
}

TEST(ScoreImport, LongCsvWithPerExampleRows) {
    ql::test::TempDir dir;
    write(dir / "ex.csv", "variant,slice,dimension,example_id,score\n"
                          "fp16,math,acc,q1,1\nfp16,math,acc,q2,0\nfp16,math,acc,q3,1\n"
                          "int8,math,acc,q1,1\nint8,math,acc,q2,1\nint8,math,acc,q3,1\n");
    ImportOptions o;
    o.baseline = "fp16";
    const auto cards = importFile(dir / "ex.csv", o);
    ASSERT_EQ(cards.size(), 1u);
    EXPECT_EQ(cards[0].name, "ex");
    const auto* c = cards[0].find("fp16", "acc", "math");
    EXPECT_EQ(c->n, 3);
    EXPECT_NEAR(c->score, 2.0 / 3.0, 1e-12);
    EXPECT_EQ(compareCells(*c, *cards[0].find("int8", "acc", "math")).method,
              StatMethod::PairedBootstrapMcNemar);
}

TEST(ScoreImport, JsonlLongFormat) {
    ql::test::TempDir dir;
    write(dir / "s.jsonl",
          R"({"model": "fp16", "task": "qa", "metric": "f1", "value": 0.5, "count": 10}
{"model": "awq", "task": "qa", "metric": "f1", "value": 0.4, "count": 10}
)");
    ImportOptions o;
    o.mapping = parseMapping("variant=model,slice=task,dimension=metric,score=value,n=count");
    const auto cards = importFile(dir / "s.jsonl", o);
    ASSERT_EQ(cards[0].cells.size(), 2u);
    EXPECT_EQ(cards[0].find("awq", "f1", "qa")->n, 10);
}

TEST(ScoreImport, BadInputNamesFileLineAndField) {
    ql::test::TempDir dir;
    write(dir / "bad.csv", "variant,slice,score\nfp16,a,0.5\nint8,a,abc\n");
    EXPECT_THAT(importError(dir / "bad.csv", {}),
                HasSubstr("bad.csv:3: column 'score': 'abc' is not a number"));
    write(dir / "dup.csv", "variant,slice,score\nfp16,a,0.5\nfp16,a,0.6\n");
    EXPECT_THAT(importError(dir / "dup.csv", {}), HasSubstr("dup.csv:3: a second score"));
    EXPECT_THAT(importError(dir / "dup.csv", {}), HasSubstr("first on line 2"));
    write(dir / "short.csv", "variant,slice,score\nfp16,a\n");
    EXPECT_THAT(importError(dir / "short.csv", {}), HasSubstr("short.csv:2: 2 fields"));
    write(dir / "quote.csv", "variant,slice,score\nfp16,\"a,0.5\n");
    EXPECT_THAT(importError(dir / "quote.csv", {}), HasSubstr("quote.csv:2: a quoted field"));
    ImportOptions o;
    o.mapping = parseMapping("variant=precision,score=acc");
    EXPECT_THAT(importError(dir / "bad.csv", o),
                HasSubstr("bad.csv: the mapping names column 'precision' for role variant"));
    write(dir / "n.csv", "variant,score,n\nfp16,0.5,12.5\n");
    EXPECT_THAT(importError(dir / "n.csv", {}), HasSubstr("n.csv:2: column 'n'"));
    write(dir / "r.json", R"({"nothing": 1})");
    EXPECT_THAT(importError(dir / "r.json", {}), HasSubstr("r.json"));
    write(dir / "s.jsonl", "{\"variant\": \"a\", \"score\": 1}\nnot json\n");
    EXPECT_THAT(importError(dir / "s.jsonl", {}), HasSubstr("s.jsonl:2: not a JSON object"));
    EXPECT_THROW(parseMapping("variant=a,colour=b"), ql::Error);
    EXPECT_THROW(parseMapping("variant"), ql::Error);
}

TEST(ScoreImport, DifferingEvaluatorsInOneScorecardAreRefused) {
    ql::test::TempDir dir;
    write(dir / "e.csv", "variant,slice,score,tool\nfp16,a,0.5,lm-eval 0.4.2\n"
                         "int8,a,0.5,lm-eval 0.4.9\n");
    ImportOptions o;
    o.mapping = parseMapping("variant=variant,slice=slice,score=score,evaluator=tool");
    EXPECT_THAT(importError(dir / "e.csv", o), HasSubstr("e.csv:3: evaluator"));
}

// config.model_args as lm-eval writes it: a command-line string, a dict (newer Python
// calls), or null (simple_evaluate handed a model object): the variant is the pretrained
// name where there is one, else the file's stem.
TEST(ScoreImport, LmEvalModelArgsStringDictOrNull) {
    ql::test::TempDir dir;
    const auto variantOf = [&](const std::string& modelArgs) {
        const auto file = dir / "results_run7.json";
        write(file, R"({"results": {"a": {"acc,none": 0.5}}, "config": {"model_args": )" +
                        modelArgs + "}}");
        const auto cards = importFile(file, {});
        EXPECT_EQ(cards.size(), 1u);
        return cards.empty() ? std::string() : cards[0].variants().at(0);
    };
    EXPECT_EQ(variantOf(R"("pretrained=org/m-8B,dtype=float16")"), "org/m-8B");
    EXPECT_EQ(variantOf(R"({"pretrained": "org/m-8B", "dtype": "float16"})"), "org/m-8B");
    EXPECT_EQ(variantOf("null"), "results_run7");
    EXPECT_EQ(variantOf(R"({"dtype": "float16"})"), "results_run7");
}

// Crafted inputs to tests/fuzz/fuzz_score_import: fields of an unexpected type escaped as
// nlohmann::type_error, a group among its own subtasks recursed until the stack overflowed,
// huge sample counts overflowed int64, and deeply nested values overflowed the stack in
// dump(). Each is now a ql::Error naming the file (and line) and the field.
TEST(ScoreImport, LmEvalFieldsOfTheWrongShapeAreErrors) {
    ql::test::TempDir dir;
    const auto error = [&](const std::string& extra, const ImportOptions& o = {}) {
        const auto file = dir / "results_x.json";
        write(file, R"({"results": {"a": {"acc,none": 0.5}})" + extra + "}");
        return importError(file, o);
    };
    EXPECT_THAT(error(R"(, "group_subtasks": {"a": ["b"], "b": ["a"]})"),
                HasSubstr("results_x.json: field group_subtasks.b lists 'a', which contains it: "
                          "the groups form a cycle (a -> b -> a)"));
    EXPECT_THAT(error(R"(, "group_subtasks": {"a": [1]})"),
                HasSubstr("results_x.json: field group_subtasks.a lists 1, not a task name"));
    EXPECT_THAT(error(R"(, "lm_eval_version": 5)"),
                HasSubstr("results_x.json: field lm_eval_version is not a string (number)"));
    EXPECT_THAT(error(R"(, "config": 5)"),
                HasSubstr("results_x.json: field config is not an object (number)"));
    EXPECT_THAT(error(R"(, "config": {"model_args": [1]})"),
                HasSubstr("field config.model_args is not a string, an object or null (array)"));
    EXPECT_THAT(error(R"(, "config": {"model_args": {"pretrained": 7}})"),
                HasSubstr("field config.model_args.pretrained is not a string (number)"));
    EXPECT_THAT(error(R"(, "n-samples": {"a": {"effective": -3}})"),
                HasSubstr("field n-samples.a.effective is -3, not a count of samples"));
    EXPECT_THAT(error(R"(, "group_subtasks": {"a": ["b", "c"]},
                         "n-samples": {"b": 9223372036854775807, "c": 9223372036854775807})"),
                HasSubstr("field group_subtasks.a: the subtasks' sample counts add up to more "
                          "than 64 bits hold"));
    const std::string deep = std::string(1000, '[') + std::string(1000, ']');
    const std::string head = R"({"results": {"a": {"acc,none": 0.5}}, "x": )";
    write(dir / "results_x.json", head + deep + "}");
    // '{' is level 1; the 100th '[' opens level 101.
    EXPECT_THAT(importError(dir / "results_x.json", {}),
                HasSubstr("results_x.json: the file nests arrays or objects deeper than 100 "
                          "levels (at byte " +
                          std::to_string(head.size() + 99) + ")"));
}

// The same errors name the byte where the bad value starts, found here by searching the
// written text for the value.
TEST(ScoreImport, LmEvalFieldErrorsGiveTheByteOffset) {
    ql::test::TempDir dir;
    const auto file = dir / "results_x.json";
    const std::string name = file.string();
    const auto error = [&](const std::string& text) {
        write(file, text);
        return importError(file, {});
    };
    const auto at = [](size_t offset) { return " (at byte " + std::to_string(offset) + ")"; };
    // "config" appears inside a string and as a key of a task before the real one.
    std::string t = R"({"results": {"a": {"acc,none": 0.5, "alias": "\"config\": 1",
                       "config": {"model_args": 3}}}, "config": {"model_args": {"pretrained": 7}}})";
    EXPECT_EQ(error(t), name + ": field config.model_args.pretrained is not a string (number)" +
                            at(t.find("7}")));
    t = R"({"results": {"a": {"acc,none": 0.5}}, "config": {"model_args": [1]}})";
    EXPECT_EQ(error(t), name +
                            ": field config.model_args is not a string, an object or null (array)" +
                            at(t.find("[1]")));
    t = R"({"results": {"a": {"acc,none": 0.5}}, "group_subtasks": {"a": ["b"], "b": ["a"]}})";
    EXPECT_EQ(error(t), name + ": field group_subtasks.b lists 'a', which contains it: the " +
                            "groups form a cycle (a -> b -> a)" + at(t.find(R"(["a"])") + 1));
    t = R"({"results": {"a": {"acc,none": 0.5}}, "group_subtasks": {"a": ["c", 1]},
            "n-samples": {"c": 4}})";
    EXPECT_EQ(error(t),
              name + ": field group_subtasks.a lists 1, not a task name" + at(t.find("1]")));
    t = R"({"results": {"a": {"acc,none": 0.5}}, "n-samples": {"a": {"effective": -3}}})";
    EXPECT_EQ(error(t), name + ": field n-samples.a.effective is -3, not a count of samples" +
                            at(t.find("-3")));
    t = R"({"results": {"a": {"acc,none": 0.5}, "b": 42}})";
    EXPECT_EQ(error(t), name + ": field results.b is not an object" + at(t.find("42")));
    t = R"({"results": {"a": {"alias": "A"}}})";
    EXPECT_EQ(error(t),
              name + ": field \"results\" holds no numeric metric" + at(t.find("{\"a\"")));
    // A value repeated: lm_eval_version's last value is the one read, and the one named.
    t = R"({"results": {"a": {"acc,none": 0.5}}, "lm_eval_version": "0.4", "lm_eval_version": 7})";
    EXPECT_EQ(error(t),
              name + ": field lm_eval_version is not a string (number)" + at(t.find("7}")));
}

// In a samples file the offset counts from the start of the file, not of the line.
TEST(ScoreImport, LmEvalSampleFieldErrorsGiveTheByteOffsetInTheFile) {
    ql::test::TempDir dir;
    write(dir / "results_t.json", R"({"results": {"a": {"acc,none": 0.5}}})");
    const std::string text = "{\"doc_id\": 0, \"acc\": 1}\n"
                             "{\"doc_id\": 1, \"filter\": 5, \"acc\": 1}\n";
    write(dir / "samples_a_t.jsonl", text);
    EXPECT_THAT(importError(dir / "results_t.json", {}),
                HasSubstr("samples_a_t.jsonl:2: field filter is not a string (number) (at byte " +
                          std::to_string(text.find("5,")) + ")"));
}

TEST(ScoreImport, LmEvalSamplesAndJsonlRowsOfTheWrongShapeAreErrors) {
    ql::test::TempDir dir;
    write(dir / "results_t.json", R"({"results": {"a": {"acc,none": 0.5}}})");
    const auto samples = dir / "samples_a_t.jsonl";
    write(samples, R"({"doc_id": 0, "filter": 5, "acc": 1})"
                   "\n");
    EXPECT_THAT(importError(dir / "results_t.json", {}),
                HasSubstr("samples_a_t.jsonl:1: field filter is not a string (number)"));
    const std::string first = R"({"doc_id": 0, "acc": 1})"
                              "\n";
    const std::string head = R"({"doc_id": )";
    write(samples, first + head + std::string(200000, '[') + std::string(200000, ']') + "}\n");
    EXPECT_THAT(importError(dir / "results_t.json", {}),
                HasSubstr("samples_a_t.jsonl:2: the sample nests arrays or objects deeper than "
                          "100 levels (at byte " +
                          std::to_string(first.size() + head.size() + 99) + ")"));
    write(dir / "s.jsonl", R"({"variant": "a", "score": 1, "slice": )" + std::string(200000, '[') +
                               std::string(200000, ']') + "}\n");
    EXPECT_THAT(importError(dir / "s.jsonl", {}),
                HasSubstr("s.jsonl:1: the row nests arrays or objects deeper than 100 levels"));
}
