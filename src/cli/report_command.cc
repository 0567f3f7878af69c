// `cachedb report --matrix ROWS-by-COLS` and `cachedb report --list`
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "report/dimension.h"
#include "report/matrix.h"
#include "report/matrix_query.h"
#include "report/render.h"
#include "storage/database.h"

namespace cachedb::cli {
namespace {

struct ReportArgs {
  std::string matrix;
  bool list = false;
  std::string format = "table";
  std::string count = "specs";
  bool totals = false;
  std::vector<std::string> releases, filters;
  MatrixOptions options;
};

// The canned matrices with their descriptions, then how to ask for the others.
std::string list_text() {
  std::size_t width = 0;
  for (const auto& m : canned_matrices()) width = std::max(width, m.name.size());
  std::string out;
  for (const auto& m : canned_matrices()) out += fmt::format("{:<{}}  {}\n", m.name, width, m.description);
  std::vector<std::string_view> names;
  for (const auto& d : dimensions()) names.push_back(d.name);
  out += fmt::format("\nAny other ROWS-by-COLS of two of: {} (singular or plural) works too,\n"
                     "through the generic query.\n",
                     fmt::join(names, ", "));
  return out;
}

}  // namespace

Runner add_report_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report", "Print a matrix report (see --list)");
  auto* matrix = cmd->add_option("--matrix", args->matrix,
                                 "ROWS-by-COLS, e.g. stacks-by-target, os-by-target, compilers-by-os");
  cmd->add_flag("--list", args->list, "List the canned matrices with a line on each")->excludes(matrix);
  add_format_options(cmd, args->format, {"table", "csv", "tsv", "json", "markdown", "md", "html"});
  cmd->add_option("--count", args->count, "What a cell counts: specs (binaries) or packages")
      ->check(CLI::IsMember({"specs", "packages"}))
      ->capture_default_str();
  cmd->add_option("--release", args->releases, "Only this release (repeatable: any of them)")
      ->allow_extra_args(false);
  cmd->add_option("--filter", args->filters,
                  "DIM=VALUE, e.g. os=rhel8 (repeatable: same DIM means any of the values, "
                  "different DIMs must all hold)")
      ->allow_extra_args(false);
  cmd->add_flag("--totals", args->totals, "Add a total column and row (distinct counts, not sums)");
  cmd->add_flag("--include-root", args->options.include_root, "Keep the 'root' pseudo-stack");
  cmd->footer(
      "Exit status: 0 success (also when a --release or --filter value matches nothing: a warning says so); "
      "1 fatal (the database cannot be read); 64 bad command line (unknown option, format, matrix or dimension, "
      "a --filter without DIM=VALUE, no --matrix).");
  return [cmd, args, &global]() -> int {
    if (!*cmd) return -1;
    if (args->list) {
      std::cout << list_text();
      std::cout.flush();
      return std::cout ? kExitOk : kExitFatal;
    }
    if (args->matrix.empty()) {
      throw UsageError("report: give --matrix ROWS-by-COLS, or --list to see the canned ones");
    }
    RenderOptions render_options;
    render_options.format = parse_format(args->format);
    render_options.totals = args->totals;
    render_options.tty = global.color_stdout;
    auto options = args->options;
    options.count = args->count == "packages" ? Count::Packages : Count::Specs;
    // The matrix's name and the filters are the command line's: checked
    // before the database is opened, and a mistake there is a usage error.
    try {
      parse_matrix_name(args->matrix);
      for (const auto& r : args->releases) options.scope.add("release", r);
      for (const auto& f : args->filters) options.scope.add_filter(f);
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
    auto db = open_database(resolve_db_path(global.db), OpenMode::ReadOnly);
    std::cout << render(run_matrix(db, args->matrix, options), render_options);
    std::cout.flush();
    return std::cout ? kExitOk : kExitFatal;
  };
}

}  // namespace cachedb::cli
