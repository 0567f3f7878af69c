// `cachedb values DIM [--release R]... [--filter DIM=VALUE]...`: the distinct
// values of a dimension in scope, with the number of specs that have each.
#include <unistd.h>

#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/scope_options.h"
#include "error.h"
#include "report/dimension.h"
#include "report/matrix_query.h"
#include "report/query_result.h"
#include "report/render.h"
#include "report/scope.h"
#include "report/target_tree.h"
#include "storage/database.h"

namespace cachedb::cli {
namespace {

struct ValuesArgs {
  std::string dimension;
  std::string format = "table";
  ScopeArgs scope;
  bool include_root = false;
};

}  // namespace

Runner add_values_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<ValuesArgs>();
  auto* cmd = app.add_subcommand("values", "The values of a dimension, with the number of specs that have each");
  cmd->add_option("dimension", args->dimension,
                  "stack, target, family, os, platform, compiler, release, package or version (or a plural)")
      ->required();
  add_format_options(cmd, args->format, {"table", "csv", "tsv", "json", "ndjson", "markdown", "md", "html"});
  add_scope_options(cmd, args->scope);
  cmd->add_flag("--include-root", args->include_root, "Keep the 'root' pseudo-stack");
  cmd->footer(
      "Exit status: 0 success (also when a --release or --filter value matches nothing: a warning names the "
      "nearest values there are); 1 fatal (the database cannot be read); 64 bad command line (unknown option, "
      "format or dimension, a --filter without DIM=VALUE).");
  return [cmd, args, &global]() -> int {
    if (!*cmd) return -1;
    const Format format = parse_format(args->format);
    const Dimension* dim = nullptr;
    // The command line's mistakes are usage errors, found before the database is opened.
    try {
      dim = &dimension(args->dimension);
    } catch (const Error& e) {
      throw UsageError(fmt::format("values: {}", e.what()));
    }
    const Scope scope = args->scope.scope("values: ");
    auto db = open_database(resolve_db_path(global.db), OpenMode::ReadOnly);
    warn_unmatched(db, scope);
    const std::string sql = values_sql(*dim);
    // The parameters this dimension's query reads, and only those.
    std::vector<QueryParam> params = {{"scope", scope.query_json(), true}};
    if (sql.find(":include_root") != std::string::npos) params.push_back({"include_root", args->include_root ? "1" : "0"});
    if (sql.find(":families") != std::string::npos)
      params.push_back({"families", TargetTree::spack().families_json(), true});
    RowOutput out(STDOUT_FILENO, stdout_is_terminal());
    // What an html page says it shows: the command with its scope.
    std::string command = fmt::format("cachedb values {}", dim->name);
    if (args->include_root) command += " --include-root";
    for (const auto& r : args->scope.releases) command += fmt::format(" --release {}", r);
    for (const auto& f : args->scope.filters) command += fmt::format(" --filter {}", f);
    const auto writer = make_row_writer(format, out, command, last_committed_run(db));
    run_query(db, sql, params, *writer);
    out.flush();
    return kExitOk;
  };
}

}  // namespace cachedb::cli
