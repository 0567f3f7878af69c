// `cachedb report --matrix ROWS-by-COLS` and `cachedb report --list`
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/scope_options.h"
#include "report/dimension.h"
#include "report/matrix.h"
#include "report/matrix_query.h"
#include "report/matrix_shape.h"
#include "report/render.h"
#include "storage/database.h"

namespace cachedb::cli {
namespace {

// More cells than this make a wall of text, not a report: table and markdown
// refuse them, html keeps the rows that fit (--max-cells 0: no limit).
constexpr std::size_t kDefaultMaxCells = 20000;
// Nothing printed: the matrix is larger than --max-cells.
constexpr int kExitTooLarge = 3;

struct ReportArgs {
  std::string matrix;
  bool list = false;
  std::string format = "table";
  std::string count = "specs";
  bool totals = false;
  ScopeArgs scope;
  MatrixOptions options;
  std::string sort = "name";
  ShapeOptions shape;
  std::size_t max_cells = kDefaultMaxCells;
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
  add_scope_options(cmd, args->scope);
  cmd->add_flag("--totals", args->totals, "Add a total column and row (distinct counts, not sums)");
  cmd->add_flag("--include-root", args->options.include_root, "Keep the 'root' pseudo-stack");
  cmd->add_option("--sort", args->sort,
                  "Order of rows and columns: name (numbers in names compare as numbers, versions as Spack "
                  "orders them: gcc@6 before gcc@10, develop newest) or total (largest first)")
      ->check(CLI::IsMember({"name", "total"}))
      ->capture_default_str();
  cmd->add_option("--top", args->shape.top, "Only the N rows with the largest totals (what is left out is said)")
      ->check(whole_number(1));
  cmd->add_flag("--transpose", args->shape.transpose, "Swap rows and columns (stacks-by-target becomes targets-by-stack)");
  cmd->add_flag("--show-empty", args->shape.show_empty,
                "Keep rows and columns whose cells are all 0 (left out by default, and said so)");
  cmd->add_option("--max-cells", args->max_cells,
                  "Largest matrix (rows x columns) that table and markdown print and html shows whole; 0: no limit. "
                  "csv, tsv and json are never limited")
      ->check(whole_number(0))
      ->capture_default_str();
  cmd->footer(
      "Exit status: 0 success (also when a --release or --filter value matches nothing: a warning says so; "
      "and when html leaves rows out past --max-cells: the page says so); "
      "1 fatal (the database cannot be read); 3 nothing printed: a table or markdown would have more cells than "
      "--max-cells (stderr says how large it is and what to do); 64 bad command line (unknown option, format, "
      "matrix or dimension, a --filter without DIM=VALUE, no --matrix).");
  return [cmd, args, &global]() -> int {
    if (!*cmd) return -1;
    if (args->list) {
      return write_stdout(list_text()) ? kExitOk : kExitFatal;
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
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
    options.scope = args->scope.scope("");
    auto shape = args->shape;
    shape.sort = args->sort == "total" ? SortBy::Total : SortBy::Name;
    shape.totals = args->totals;
    auto db = open_database(resolve_db_path(global.db), OpenMode::ReadOnly);
    auto m = run_matrix(db, args->matrix, options);
    // Nothing but the root pseudo-stack holds the specs asked for (an index
    // of root alone, say): an empty matrix says why, on stderr, in every format.
    if (m.grand_total == 0 && !options.include_root && (m.row_dim == "stack" || m.col_dim == "stack")) {
      MatrixOptions with_root = options;
      with_root.include_root = true;
      with_root.warn_unmatched = false;  // said once already
      if (run_matrix(db, args->matrix, with_root).grand_total > 0)
        print_note("every spec counted here is in the root pseudo-stack only, which is left out: --include-root "
                   "counts it");
    }
    shape_matrix(m, shape);
    const auto format = render_options.format;
    if (args->max_cells > 0 && cell_count(m) > args->max_cells) {
      if (format == Format::Table || format == Format::Markdown) {
        spdlog::error("{} has {} rows x {} columns = {} cells, more than --max-cells {}: nothing printed. Narrow it "
                      "(--top N, --filter, --release), print it anyway with --max-cells 0, or give it to another "
                      "program with --csv or --json",
                      m.name, m.rows.size(), m.cols.size(), cell_count(m), args->max_cells);
        return kExitTooLarge;
      }
      if (format == Format::Html) {
        // At least one row, though one alone may have more cells than that: a page of nothing shows nothing.
        keep_first_rows(m, std::max<std::size_t>(1, args->max_cells / std::max<std::size_t>(1, m.cols.size())));
        const std::size_t shown = m.rows.size();
        spdlog::warn("{} is too large for one page: the page shows its first {} of {} (--max-cells {}; "
                     "--max-cells 0 shows them all)",
                     m.name, shown == 1 ? std::string("row") : fmt::format("{} rows", shown),
                     shown + m.omitted.limit_rows, args->max_cells);
      }
    }
    if (!write_stdout(render(m, render_options), "the report")) return kExitFatal;
    // The formats with nowhere to say it say on stderr what the matrix was
    // made from and what it leaves out; stdout stays the matrix alone.
    if (format == Format::Table || format == Format::Csv || format == Format::Tsv) {
      if (const auto note = omitted_note(m); !note.empty()) print_note(note);
      if (format == Format::Table) print_note(fmt::format("made from {}", describe(m.source)));
    }
    return kExitOk;
  };
}

}  // namespace cachedb::cli
