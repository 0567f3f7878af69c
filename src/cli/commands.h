#pragma once
// Each subcommand registers its options on the CLI11 app and returns a runner
// that main() calls after parsing. Adding a command means adding one file.
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace cachedb::cli {

// Exit codes shared by every command (documented in --help and the README).
constexpr int kExitOk = 0;
constexpr int kExitFatal = 1;     // nothing was changed
constexpr int kExitRejected = 2;  // ingest: some pages rejected, the rest committed
constexpr int kExitUsage = 64;    // the command line is wrong

// Options every command sees.
struct GlobalOptions {
  std::string db;  // --db; empty means $CACHEDB_DB or ./cachedb.sqlite
};

using Runner = std::function<int()>;

// Each returns the runner for its subcommand (run only when it was chosen).
Runner add_ingest_command(CLI::App& app, const GlobalOptions& global);
Runner add_check_command(CLI::App& app, const GlobalOptions& global);
Runner add_report_command(CLI::App& app, const GlobalOptions& global);
Runner add_runs_command(CLI::App& app, const GlobalOptions& global);
Runner add_sql_command(CLI::App& app, const GlobalOptions& global);
Runner add_schema_command(CLI::App& app, const GlobalOptions& global);

}  // namespace cachedb::cli
