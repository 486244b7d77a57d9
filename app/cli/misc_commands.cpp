#include "app/cli/commands.h"
#include "app/cli/json_output.h"
#include "engine/model/demo_model.h"
#include "engine/quant/formats.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace ql::cli {

namespace {

// Effective bits per weight are quoted for a 4096 x 4096 tensor: every block size divides
// it, and per-channel, per-tensor and double-quantization metadata count at that shape.
constexpr int64_t kQuoteRows = 4096, kQuoteCols = 4096;

double quotedBitsPerWeight(const QuantFormatInfo& f) {
    return 8.0 * double(quantizedBytes(f.format, kQuoteRows, kQuoteCols)) /
           double(kQuoteRows * kQuoteCols);
}

std::string granularity(const QuantFormatInfo& f) {
    if (f.perTensor)
        return "tensor";
    if (f.kind == QuantKind::Block)
        return f.bytesPerCode > 0 ? "channel" : "block";
    return f.groupSize == 0 ? "channel" : "group";
}

std::string schemeName(const QuantFormatInfo& f) {
    if (f.kind == QuantKind::Block)
        return f.storage == DType::F16 ? "convert" : f.bytesPerCode > 0 ? "fp8" : "ggml";
    switch (f.scheme) {
    case QuantScheme::SymAbsmax:
        return "sym-absmax";
    case QuantScheme::SymHalfRange:
        return "sym-half-range";
    case QuantScheme::SymGptq:
        return "sym-gptq";
    case QuantScheme::Asym:
        return "asym";
    case QuantScheme::Nf4:
        return "nf4";
    case QuantScheme::Fp4:
        return "fp4";
    }
    return "";
}

// Bits a per-row format stores beside one row's codes (scale, zero point), as quantizedBytes
// counts them: over 8 rows, whose zero points of any width fill whole bytes.
int64_t perRowMetadataBits(const QuantFormatInfo& f) {
    constexpr int64_t kRows = 8;
    return (8 * int64_t(quantizedBytes(f.format, kRows, kQuoteCols)) -
            int64_t(f.bits) * kRows * kQuoteCols) /
           kRows;
}

// The per-weight cost that does not depend on the shape: code bits for formats whose only
// metadata is one scale per row or per tensor (then the note says what to add), else
// the 4096 x 4096 figure (exact for blocked formats, whose metadata is per block).
std::pair<double, std::string> shapeFreeBitsPerWeight(const QuantFormatInfo& f) {
    if (f.perTensor)
        return {double(f.bits), "plus one scale per tensor"};
    const bool perRow = (f.kind == QuantKind::Rtn && f.groupSize == 0) || f.bytesPerCode > 0;
    if (perRow) // the table's own bytes per row
        return {double(f.bits), "plus " + std::to_string(perRowMetadataBits(f)) + "/columns"};
    return {quotedBitsPerWeight(f), "exact"};
}

nlohmann::json formatJson(const QuantFormatInfo& f) {
    const auto [bpw, note] = shapeFreeBitsPerWeight(f);
    return {{"name", f.name},
            {"method", f.method},
            {"bits", f.bits},
            {"group_size", f.groupSize},
            {"granularity", granularity(f)},
            {"scheme", schemeName(f)},
            {"zero_point_bits", f.zeroBits},
            {"double_quant", f.doubleQuant},
            {"bits_per_weight", bpw},
            {"bits_per_weight_note", note},
            {"bits_per_weight_4096x4096", quotedBitsPerWeight(f)},
            {"convention", f.convention}};
}

int runFormats(bool json) {
    if (json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& f : quantFormats())
            list.push_back(formatJson(f));
        printJson(std::cout, list);
        return 0;
    }
    std::cout << "name             bits   group  bpw(4096x4096)  convention\n";
    for (const auto& f : quantFormats()) {
        char head[128];
        std::snprintf(head, sizeof head, "%-16s %4d %7s %8.4f        ", std::string(f.name).c_str(),
                      f.bits,
                      f.groupSize ? std::to_string(f.groupSize).c_str() : granularity(f).c_str(),
                      quotedBitsPerWeight(f));
        std::cout << head << f.convention << "\n";
    }
    return 0;
}

} // namespace

void addFormatsCommand(CLI::App& app, CommandTable& table) {
    auto json = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("formats", "List the quantization formats");
    cmd->add_flag("--json", *json, "Machine-readable output");
    table.add(cmd, [json] { return runFormats(*json); });
}

void addDemoCommand(CLI::App& app, CommandTable& table) {
    auto output = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("demo", "Write the generated demo model (GGUF)");
    cmd->add_option("output", *output, "Output .gguf path")->required();
    table.add(cmd, [output] {
        writeDemoModel(*output);
        std::cout << "wrote " << *output << "\n";
        return 0;
    });
}

} // namespace ql::cli
