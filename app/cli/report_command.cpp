// quantlens-cli report: the release-decision report (provenance, scorecards with deltas
// and CIs, heatmaps, VRAM fit, gate verdicts, the decision and its history) as PDF or
// HTML, the same file the workbench's Export Report writes, without a display.
#include "app/cli/commands.h"
#include "engine/core/error.h"

#include <iostream>
#include <map>

#ifdef QUANTLENS_HAVE_REPORT
#include "engine/report/release_report.h"
#include "engine/store/workspace.h"
#include "ui/report_export.h"

#include <QGuiApplication>
#endif

namespace ql::cli {

namespace {

struct ReportArgs {
    std::string workspace, output, fitModel;
    std::vector<std::string> fit, gpus;
    int64_t scorecard = 0, ctx = 4096, batch = 1;
};

#ifdef QUANTLENS_HAVE_REPORT

std::map<std::string, std::string> variantFormats(const std::vector<std::string>& pairs) {
    std::map<std::string, std::string> out;
    for (const auto& p : pairs) {
        // The variant may contain '=' less often than ':'; the format never does.
        const auto eq = p.rfind('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == p.size())
            throw Error("--fit '" + p + "': expected VARIANT=FORMAT, e.g. 'q4km=q4_K'");
        out[p.substr(0, eq)] = p.substr(eq + 1);
    }
    return out;
}

report::ReportOptions reportOptions(const ReportArgs& a) {
    report::ReportOptions o;
    if (a.scorecard != 0)
        o.scorecardId = a.scorecard;
    report::FitOptions fit;
    fit.model = a.fitModel;
    fit.variantFormat = variantFormats(a.fit);
    if (!a.gpus.empty())
        fit.gpus = a.gpus;
    fit.context = a.ctx;
    fit.batch = a.batch;
    o.fit = fit;
    return o;
}

int runReport(const ReportArgs& a) {
    if (!std::filesystem::exists(a.workspace))
        throw Error(a.workspace + ": no such workspace");
    if (!a.fit.empty() && a.fitModel.empty())
        throw Error("--fit needs --fit-model (a config.json or model file to size with)");
    Workspace ws(a.workspace);
    const auto report = report::gatherReleaseReport(ws, reportOptions(a));
    if (a.scorecard != 0 && report.scorecards.empty())
        throw Error(a.workspace + ": no scorecard " + std::to_string(a.scorecard));
    // Fonts and painting need a QGuiApplication; a batch tool never needs a window, so
    // it runs on the offscreen platform unless the caller chose another.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    int argc = 1;
    char name[] = "quantlens-cli";
    char* argv[] = {name, nullptr};
    QGuiApplication app(argc, argv);
    const QString error = writeReleaseReport(report, QString::fromStdString(a.output));
    if (!error.isEmpty())
        throw Error(error.toStdString());
    std::cout << "wrote " << a.output << " (" << report.scorecards.size() << " scorecard(s), "
              << report.decisions.size() << " decision(s))\n";
    return 0;
}

#else

int runReport(const ReportArgs&) {
    throw Error("this quantlens-cli was built without Qt (QUANTLENS_BUILD_UI=OFF); the report "
                "needs Qt Gui to draw its charts and lay out the PDF: rebuild with "
                "-DQUANTLENS_BUILD_UI=ON");
}

#endif

} // namespace

void addReportCommand(CLI::App& app, CommandTable& table) {
    auto a = std::make_shared<ReportArgs>();
    auto* cmd = app.add_subcommand("report", "Write the release-decision report (PDF or HTML)");
    cmd->add_option("--workspace", a->workspace, "Workspace file")->required();
    cmd->add_option("-o,--output", a->output, "report.pdf or report.html")->required();
    cmd->add_option("--scorecard", a->scorecard, "Only this scorecard id (default: every one)");
    cmd->add_option("--fit-model", a->fitModel,
                    "config.json or model file to size the scorecard's variants with "
                    "(default: the workspace's own quantized variants)");
    cmd->add_option("--fit", a->fit,
                    "VARIANT=FORMAT: the weight format a scorecard variant stands for "
                    "(quantlens-cli fit formats)");
    cmd->add_option("--gpu", a->gpus, "GPU catalog ids for the fit (default rtx-4090, h100-sxm)");
    cmd->add_option("--ctx", a->ctx, "Context for the fit (tokens per sequence)");
    cmd->add_option("--batch", a->batch, "Concurrent sequences for the fit");
    table.add(cmd, [a] { return runReport(*a); });
}

} // namespace ql::cli
