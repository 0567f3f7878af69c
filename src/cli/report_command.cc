// `cachedb report --matrix NAME`
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "report/matrix.h"
#include "report/render.h"
#include "storage/database.h"

namespace cachedb::cli {
namespace {

struct ReportArgs {
  std::string matrix;
  std::string format = "table";
  bool totals = false;
  MatrixOptions options;
};

}  // namespace

Runner add_report_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report", "Print a matrix report");
  cmd->add_option("--matrix", args->matrix, "Which matrix, e.g. stacks-by-target")->required();
  cmd->add_option("--format", args->format, "table or csv")->capture_default_str();
  cmd->add_flag("--totals", args->totals, "Add a total column and row (distinct counts)");
  cmd->add_flag("--include-root", args->options.include_root, "Keep the 'root' pseudo-stack");
  return [cmd, args, &global]() -> int {
    if (!*cmd) return -1;
    RenderOptions render_options;
    render_options.format = parse_format(args->format);
    render_options.totals = args->totals;
    auto db = open_database(resolve_db_path(global.db), OpenMode::ReadOnly);
    std::cout << render(run_matrix(db, args->matrix, args->options), render_options);
    std::cout.flush();
    return std::cout ? kExitOk : kExitFatal;
  };
}

}  // namespace cachedb::cli
