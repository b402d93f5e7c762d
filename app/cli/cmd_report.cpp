// vfstudio-cli report: scores fused streams against an IR/visible pair (the same engine as
// `eval`) and writes a self-contained HTML report, optionally CSV / JSON / Markdown tables and
// per-metric SVG + PNG plots.
#include <iostream>

#include "app/cli/Cli.h"
#include "core/common/Error.h"
#include "core/io/FrameSource.h"
#include "core/metrics/Metrics.h"
#include "core/report/Report.h"

namespace fs = std::filesystem;
namespace vm = vf::metrics;

namespace {

std::pair<std::string, std::string> splitNamed(const std::string& s, const char* opt) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
        throw vf::cli::UsageError(std::string("--") + opt + " expects name=<value>, got '" + s +
                                  "'");
    return {s.substr(0, eq), s.substr(eq + 1)};
}

// Checks an optional output's folder before the (slow) evaluation.
void checkFolder(const fs::path& p) {
    const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw vf::Error(vf::ErrorCode::WriteFailed,
                        "cannot write " + p.string() + ": folder " + dir.string() +
                            (fs::exists(dir, ec) ? " is not a folder" : " does not exist"),
                        p.string());
}

int runReport(std::vector<std::string> argv) {
    for (auto& a : argv)
        if (a == "-o") a = "--output";
    vf::cli::Args a;
    a.usage = "vfstudio-cli report --ir <video|folder> --vi <video|folder> --fused name=<...> "
              "[--fused name2=...] [--metrics LIST] -o report.html [--csv t.csv --json t.json "
              "--md t.md --plots-dir dir/]";
    a.summary = "Evaluates every --fused stream (as 'vfstudio-cli eval') and writes one "
                "self-contained HTML page: inputs, methods and parameters (--param "
                "name:key=value), conventions, the metric table (mean ± std), per-frame plots "
                "(inline SVG) and a thumbnail of one frame per stream. All files are written "
                "atomically.";
    a.option("ir", "PATH", "infrared source")
        .option("vi", "PATH", "visible source")
        .option("fused", "NAME=PATH", "a fused stream (repeatable)", std::nullopt, true)
        .option("param", "NAME:KEY=VALUE", "a parameter to list for stream NAME (repeatable)",
                std::nullopt, true)
        .option("metrics", "LIST", "metric names or groups", std::string("paper"))
        .option("convention", "NAME", "toolbox, standard or nats", std::string("toolbox"))
        .option("flow", "METHOD", "dis-ultrafast, dis-fast, dis-medium or farneback",
                std::string(vm::flowMethodName(vm::FlowOptions{}.method)))
        .option("start", "N", "first frame", std::string("0"))
        .option("count", "N", "number of frames (-1 = all)", std::string("-1"))
        .option("title", "TEXT", "report title", std::string("vfstudio comparison"))
        .option("output", "FILE", "HTML report (-o)")
        .option("csv", "FILE", "metric table as CSV")
        .option("json", "FILE", "metric table as JSON")
        .option("md", "FILE", "metric table as Markdown")
        .option("plots-dir", "DIR", "one SVG and one PNG plot per metric")
        .option("threads", "N", "worker threads (0 = all cores)", std::string("0"))
        .flag("quiet", "no progress output");
    return vf::cli::runCommand(a, argv, [](const vf::cli::Args& args) {
        if (!args.has("ir") || !args.has("vi"))
            throw vf::cli::UsageError("--ir and --vi are required");
        if (!args.has("output")) throw vf::cli::UsageError("-o report.html is required");
        const auto fused = args.getAll("fused");
        if (fused.empty())
            throw vf::cli::UsageError("at least one --fused name=<path> is required");
        vm::EvalRequest req;
        req.ir = fs::u8path(args.get("ir"));
        req.vi = fs::u8path(args.get("vi"));
        vf::report::ReportContent content;
        content.title = args.get("title");
        for (const auto& f : fused) {
            auto [name, path] = splitNamed(f, "fused");
            for (const auto& s : req.streams)
                if (s.name == name)
                    throw vf::cli::UsageError("two --fused streams are named '" + name + "'");
            req.streams.push_back(vm::StreamSpec{name, fs::u8path(path), {}, {}});
            content.methods.push_back({name, path, {}});
        }
        for (const auto& p : args.getAll("param")) {
            const auto colon = p.find(':');
            if (colon == std::string::npos || colon == 0)
                throw vf::cli::UsageError("--param expects name:key=value, got '" + p + "'");
            auto [k, v] = splitNamed(p.substr(colon + 1), "param");
            bool found = false;
            for (auto& m : content.methods)
                if (m.name == p.substr(0, colon)) {
                    m.params.emplace_back(k, v);
                    found = true;
                }
            if (!found)
                throw vf::cli::UsageError("--param: no --fused stream named '" +
                                          p.substr(0, colon) + "'");
        }
        req.metrics = vm::parseMetricList(args.get("metrics"));
        req.conventions = vm::Conventions::byName(args.get("convention"));
        req.flow.method = vm::flowMethodFromName(args.get("flow"));
        req.start = args.getInt("start");
        req.count = args.getInt("count");
        req.threads = args.getInt("threads");
        if (req.start < 0) throw vf::cli::UsageError("--start must be >= 0");
        if (req.count == 0 || req.count < -1)
            throw vf::cli::UsageError("--count must be > 0 (or -1)");

        const fs::path out = fs::u8path(args.get("output"));
        checkFolder(out);
        for (const char* o : {"csv", "json", "md"})
            if (args.has(o)) checkFolder(fs::u8path(args.get(o)));
        if (args.has("plots-dir")) {
            fs::path d = fs::u8path(args.get("plots-dir"));
            if (d.filename().empty()) d = d.parent_path();
            checkFolder(d);
        }

        const bool quiet = args.has("quiet");
        auto progress = [quiet](long long done, long long total, const std::string&) {
            if (!quiet)
                std::cerr << "\rreport: " << done << " / " << total << " frames" << std::flush;
        };
        content.result = vm::evaluate(req, progress);
        if (!quiet) std::cerr << "\n";
        for (const auto& w : content.result.warnings)
            std::cerr << "warning: " << w << "\n";

        // Thumbnails: the middle evaluated frame of the sources and of every stream.
        const auto& r = content.result;
        content.thumbnailFrame = r.start + r.count / 2;
        content.thumbnails.emplace_back("infrared",
                                        vf::io::openSource(req.ir)->read(content.thumbnailFrame));
        content.thumbnails.emplace_back("visible",
                                        vf::io::openSource(req.vi)->read(content.thumbnailFrame));
        for (const auto& s : req.streams)
            content.thumbnails.emplace_back(
                s.name, vf::io::openSource(s.fused)->read(content.thumbnailFrame));

        vf::report::writeHtml(content, out);
        if (args.has("csv")) vf::report::writeTableCsv(r, fs::u8path(args.get("csv")));
        if (args.has("json")) vf::report::writeTableJson(r, fs::u8path(args.get("json")));
        if (args.has("md")) vf::report::writeTableMarkdown(r, fs::u8path(args.get("md")));
        if (args.has("plots-dir"))
            vf::report::writeMetricPlots(r, fs::u8path(args.get("plots-dir")));
        std::cout << vm::formatTable(r);
        if (!quiet) std::cerr << "wrote " << out.string() << "\n";
        return 0;
    });
}

} // namespace

VF_CLI_COMMAND(report, "report", "HTML report, tables and plots of a comparison",
               [](const std::vector<std::string>& argv) { return runReport(argv); });
