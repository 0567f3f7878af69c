// `cachedb sql QUERY|-|@FILE [--param name=value]... [--format F] [--timeout S]`
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/sigint.h"
#include "error.h"
#include "report/query_result.h"
#include "report/render.h"
#include "storage/database.h"

namespace cachedb::cli {
namespace {

struct SqlArgs {
  std::string query;
  std::string format = "table";
  std::vector<std::string> params, text_params;
  double timeout = 0;
};

// The query as given: '-' reads it from stdin, '@path' from a file (as
// sqlite-utils does); anything else is the query itself. No statement
// begins with '@', so nothing is lost.
std::string query_text(const std::string& arg) {
  if (arg == "-") {
    std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    if (std::cin.bad()) throw Error("sql: could not read the query from stdin");
    return text;
  }
  if (arg.size() > 1 && arg[0] == '@') {
    const std::string path = arg.substr(1);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(fmt::format("sql: cannot read the query from '{}': {}", path, std::strerror(errno)));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  return arg;
}

}  // namespace

Runner add_sql_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<SqlArgs>();
  auto* cmd = app.add_subcommand("sql", "Run one read-only SQL query (see 'cachedb schema' for the views)");
  cmd->add_option("query", args->query,
                  "The query, e.g. \"SELECT os, count(*) FROM specs GROUP BY os\"; - reads it from stdin, "
                  "@FILE from a file")
      ->required();
  add_format_options(cmd, args->format, {"table", "csv", "tsv", "json", "ndjson", "markdown", "md", "html"});
  cmd->add_option("-p,--param", args->params,
                  "NAME=VALUE binds :NAME, $NAME, @NAME (or ?N for NAME N); a number is bound as a number "
                  "(repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--param-text", args->text_params, "NAME=VALUE binds VALUE as text, even 007 or 1.10 (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--timeout", args->timeout, "Stop the query after this many seconds (default: never)")
      ->check(CLI::Validator(
          [](std::string& s) -> std::string {
            char* end = nullptr;
            const double v = std::strtod(s.c_str(), &end);
            if (s.empty() || *end || !std::isfinite(v) || v <= 0)
              return fmt::format("'{}' is not a number of seconds above 0 (e.g. 30, or 0.5)", s);
            return {};
          },
          "SECONDS > 0"));
  cmd->footer(
      "Rows are written as SQLite produces them (the table format first sizes its columns on up to 1000 rows).\n"
      "Exit status: 0 success; 1 the query failed (a syntax error, a write refused, a parameter missing, "
      "unknown or given twice, the --timeout reached, the database unreadable), after any rows it had already printed; "
      "130 stopped by Ctrl-C (SIGINT), after the whole rows it had found; 64 bad command line (unknown option or format, a --param without NAME=).");
  return [cmd, args, &global]() -> int {
    if (!*cmd) return -1;
    const Format format = parse_format(args->format);
    std::vector<QueryParam> params;
    try {
      for (const auto& p : args->params) params.push_back(parse_param(p, false));
      for (const auto& p : args->text_params) params.push_back(parse_param(p, true));
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
    const std::string sql = query_text(args->query);
    QueryOptions options;
    options.timeout = std::chrono::milliseconds(static_cast<long long>(std::ceil(args->timeout * 1000)));
    // Read-only at the connection: SQLite itself refuses any write.
    auto db = open_database(resolve_db_path(global.db), OpenMode::ReadOnly);
    // A person at a terminal sees every row the moment it exists.
    RowOutput out(STDOUT_FILENO, stdout_is_terminal());
    // json, markdown and html name the run the database was made by; the
    // streams (csv, tsv, ndjson) and the table are the rows alone, as the
    // sqlite3 shell prints them, for scripts that read them.
    const auto writer = make_row_writer(format, out, sql, last_committed_run(db));
    InterruptOnSigint ctrl_c(db.getHandle());
    try {
      run_query(db, sql, params, *writer, options);
    } catch (const Error&) {
      if (!InterruptOnSigint::interrupted()) throw;
      // The writer has put out the rows it held (whole rows only); they go
      // out before the message, and the status says the result is cut short.
      out.flush();
      spdlog::error("sql: interrupted (Ctrl-C); the rows printed are all it had found");
      return kExitInterrupted;
    }
    out.flush();
    return kExitOk;
  };
}

}  // namespace cachedb::cli
