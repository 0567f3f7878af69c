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

// --threads N, for the commands that walk trees (ingest, check): left unset
// (0), one thread per CPU the process may use. A cron job sharing its host
// can ask for fewer.
inline void add_threads_option(CLI::App* cmd, unsigned& threads) {
  cmd->add_option("--threads", threads,
                  "Threads that walk, read and parse pages (default: one per CPU the process may use)")
      ->check(CLI::Range(1u, 1024u));
}

// Each returns the runner for its subcommand (run only when it was chosen).
Runner add_ingest_command(CLI::App& app, const GlobalOptions& global);
Runner add_check_command(CLI::App& app, const GlobalOptions& global);
Runner add_report_command(CLI::App& app, const GlobalOptions& global);
Runner add_runs_command(CLI::App& app, const GlobalOptions& global);
Runner add_sql_command(CLI::App& app, const GlobalOptions& global);
Runner add_schema_command(CLI::App& app, const GlobalOptions& global);
Runner add_export_command(CLI::App& app, const GlobalOptions& global);

}  // namespace cachedb::cli
