// `cachedb sql "SELECT ..." [--param name=value]...`
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "error.h"
#include "report/query_result.h"
#include "report/render.h"
#include "storage/database.h"

namespace cachedb::cli {
namespace {

struct SqlArgs {
  std::string query;
  std::string format = "table";
  std::vector<std::string> params;
};

}  // namespace

Runner add_sql_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<SqlArgs>();
  auto* cmd = app.add_subcommand("sql", "Run one read-only SQL query (see 'cachedb schema' for the views)");
  cmd->add_option("query", args->query, "The query, e.g. \"SELECT os, count(*) FROM specs GROUP BY os\"")
      ->required();
  add_format_options(cmd, args->format, {"table", "csv", "tsv", "json", "markdown", "md", "html"});
  cmd->add_option("--param", args->params, "NAME=VALUE binds :NAME (as text; repeatable)")->allow_extra_args(false);
  cmd->footer(
      "Exit status: 0 success; 1 the query failed (a syntax error, a write refused, a parameter missing or "
      "unknown, the database unreadable); 64 bad command line (unknown option or format, a --param without NAME=).");
  return [cmd, args, &global]() -> int {
    if (!*cmd) return -1;
    RenderOptions render_options;
    render_options.format = parse_format(args->format);
    std::vector<std::pair<std::string, std::string>> params;
    for (const auto& p : args->params) {
      const auto eq = p.find('=');
      if (eq == std::string::npos || eq == 0)
        throw UsageError(fmt::format("--param '{}': expected NAME=VALUE, e.g. release=develop", p));
      auto name = p.substr(0, eq);
      if (name.front() == ':') name.erase(0, 1);
      params.emplace_back(name, p.substr(eq + 1));
    }
    // Read-only at the connection: SQLite itself refuses any write.
    auto db = open_database(resolve_db_path(global.db), OpenMode::ReadOnly);
    std::cout << render(run_query(db, args->query, params), render_options);
    std::cout.flush();
    return std::cout ? kExitOk : kExitFatal;
  };
}

}  // namespace cachedb::cli
