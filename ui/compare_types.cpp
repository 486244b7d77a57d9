#include "ui/compare_types.h"

#include <QRegularExpression>
#include <array>
#include <utility>

const HeatmapData* ComparisonData::dimension(const QString& name) const {
    for (const HeatmapData& d : dimensions)
        if (d.dimension == name)
            return &d;
    return nullptr;
}

HeatmapData heatmapFor(const ComparisonData& data, const QString& dimension,
                       const QStringList& variants) {
    const HeatmapData* all = data.dimension(dimension);
    if (!all)
        return {};
    HeatmapData out = *all;
    out.variants.clear();
    out.cells.clear();
    out.slices.clear();
    QList<int> columns;
    for (const QString& v : variants)
        if (const int c = int(all->variants.indexOf(v)); c >= 0) {
            columns.append(c);
            out.variants.append(v);
        }
    for (int r = 0; r < all->slices.size(); ++r) {
        bool any = false;
        for (int c : columns)
            any = any || all->cell(r, c).present;
        if (!any)
            continue;
        out.slices.append(all->slices[r]);
        for (int c : columns)
            out.cells.append(all->cell(r, c));
    }
    return out;
}

QString guessFitFormat(const QString& variant) {
    // Lower case, separators dropped: "Q4_K_M" and "q4km" read alike.
    QString s = variant.toLower();
    s.remove(QRegularExpression(QStringLiteral("[\\s_\\-().]")));
    // Names of GGUF types stand for llama-quantize's files, whose tensors are not all of
    // that type: "q4km" is Q4_K_M's layout, "Q8_0" keeps nothing in bf16, "Q4_K" is
    // llama-quantize's alias of Q4_K_M.
    static const std::array<std::pair<const char*, const char*>, 19> kPresets{{
        {"q2ks", "Q2_K_S"},  {"q3ks", "Q3_K_S"}, {"q3km", "Q3_K_M"}, {"q3kl", "Q3_K_L"},
        {"q4ks", "Q4_K_S"},  {"q4km", "Q4_K_M"}, {"q5ks", "Q5_K_S"}, {"q5km", "Q5_K_M"},
        {"iq4nl", "IQ4_NL"}, {"q2k", "Q2_K"},    {"q3k", "Q3_K_M"},  {"q4k", "Q4_K_M"},
        {"q5k", "Q5_K_M"},   {"q6k", "Q6_K"},    {"q80", "Q8_0"},    {"q40", "Q4_0"},
        {"q41", "Q4_1"},     {"q50", "Q5_0"},    {"q51", "Q5_1"},
    }};
    for (const auto& [token, preset] : kPresets)
        if (s.contains(QLatin1String(token)))
            return QString::fromLatin1(preset);
    static const std::array<std::pair<const char*, const char*>, 16> kTokens{{
        {"mxfp4", "mxfp4"},
        {"nf4dq", "nf4-dq"},
        {"nf4", "nf4"},
        {"fp8", "fp8-channel"},
        {"e4m3", "fp8-channel"},
        {"bf16", "bf16"},
        {"fp16", "f16"},
        {"f16", "f16"},
        {"fp32", "f32"},
        {"f32", "f32"},
        {"int8", "int8"},
        {"w8a8", "int8"},
        {"w8a16", "int8"},
        {"int4", "int4-g128"},
        {"w4a16", "int4-g128"},
        {"unquantized", "bf16"},
    }};
    for (const auto& [token, format] : kTokens)
        if (s.contains(QLatin1String(token)))
            return QString::fromLatin1(format);
    // AWQ and GPTQ checkpoints are 4-bit with groups of 128 unless they say otherwise.
    if (s.contains(QLatin1String("awq")) || s.contains(QLatin1String("gptq")))
        return QStringLiteral("int4-g128");
    static const QRegularExpression bits(QStringLiteral("(\\d)bit"));
    if (const auto m = bits.match(s); m.hasMatch()) {
        const int b = m.captured(1).toInt();
        if (b == 8)
            return QStringLiteral("int8");
        if (b >= 2 && b <= 6) // the ggml K-quant of that width
            return QStringLiteral("q%1_K").arg(b);
    }
    return {};
}
