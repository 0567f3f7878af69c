// cachedb: Spack build-cache pages in SQLite, with reports on top.
//
// Exit codes: 0 success; 1 fatal error (for ingest: nothing was changed);
// 2 ingest finished but rejected some pages (the others are committed);
// 64 the command line itself is wrong.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "error.h"
#include "ingest/ingester.h"
#include "report/matrix.h"
#include "report/render.h"
#include "storage/database.h"

namespace {

constexpr int kExitFatal = 1;
constexpr int kExitUsage = 64;

void setup_logging(int verbosity) {
  // stdout carries only results; every log line goes to stderr.
  auto logger = spdlog::stderr_color_mt("cachedb");
  logger->set_pattern("%^%l%$: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbosity < 0 ? spdlog::level::err
                    : verbosity == 0 ? spdlog::level::warn
                                     : spdlog::level::info);
}

void print_summary(const cachedb::IngestSummary& s) {
  spdlog::info("pages: {} added, {} updated, {} unchanged, {} removed, {} rejected, {} skipped, {} legacy",
               s.pages_added, s.pages_updated, s.pages_unchanged, s.pages_removed, s.pages_rejected,
               s.pages_skipped, s.pages_legacy);
  spdlog::info("specs: {} added, {} removed", s.specs_added, s.specs_removed);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cachedb: Spack binary build-cache contents in SQLite, with reports"};
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 success; 1 fatal error (an ingest then changed nothing); "
      "2 ingest rejected some pages (the rest is committed); 64 bad command line.");
  std::string db_flag;
  app.add_option("--db", db_flag, "Database file (default: $CACHEDB_DB, else ./cachedb.sqlite)");
  bool quiet = false;
  int verbose = 0;
  app.add_flag("-q,--quiet", quiet, "Log errors only");
  app.add_flag("-v,--verbose", verbose, "Log progress and the run summary");

  auto* ingest_cmd = app.add_subcommand("ingest", "Read cache pages (files or directories of *.md) into the database");
  std::vector<std::string> ingest_paths;
  cachedb::IngestOptions ingest_options;
  ingest_cmd->add_option("paths", ingest_paths, "Pages, or directories searched for *.md")->required();
  ingest_cmd->add_flag("--prune", ingest_options.prune,
                       "Remove the pages of each release seen that this run did not see");
  ingest_cmd->add_flag("--force", ingest_options.force, "Prune even if some pages were rejected");

  auto* report_cmd = app.add_subcommand("report", "Print a matrix report");
  std::string matrix_name, format_name = "table";
  cachedb::MatrixOptions matrix_options;
  bool totals = false;
  report_cmd->add_option("--matrix", matrix_name, "Which matrix, e.g. stacks-by-target")->required();
  report_cmd->add_option("--format", format_name, "table or csv")->capture_default_str();
  report_cmd->add_flag("--totals", totals, "Add a total column and row (distinct counts)");
  report_cmd->add_flag("--include-root", matrix_options.include_root, "Keep the 'root' pseudo-stack");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  setup_logging(quiet ? -1 : verbose);

  try {
    const auto db_path = cachedb::resolve_db_path(db_flag);
    if (*ingest_cmd) {
      auto db = cachedb::open_database(db_path, cachedb::OpenMode::ReadWrite);
      std::vector<std::filesystem::path> paths(ingest_paths.begin(), ingest_paths.end());
      auto summary = cachedb::ingest(db, paths, ingest_options);
      print_summary(summary);
      return summary.exit_code();
    }
    if (*report_cmd) {
      cachedb::RenderOptions render_options;
      render_options.format = cachedb::parse_format(format_name);
      render_options.totals = totals;
      auto db = cachedb::open_database(db_path, cachedb::OpenMode::ReadOnly);
      auto matrix = cachedb::run_matrix(db, matrix_name, matrix_options);
      std::cout << cachedb::render(matrix, render_options);
      std::cout.flush();
      return std::cout ? 0 : kExitFatal;
    }
  } catch (const cachedb::Error& e) {
    spdlog::error("{}", e.what());
    return kExitFatal;
  } catch (const std::exception& e) {
    spdlog::error("unexpected failure: {}", e.what());
    return kExitFatal;
  }
  return kExitUsage;
}
