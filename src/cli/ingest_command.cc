// `cachedb ingest PATH...`
#include <memory>

#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "ingest/ingester.h"
#include "storage/database.h"

namespace cachedb::cli {
namespace {

struct IngestArgs {
  std::vector<std::string> paths;
  IngestOptions options;
};

void log_summary(const IngestSummary& s) {
  spdlog::info("pages: {} added, {} updated, {} unchanged, {} removed, {} rejected, {} skipped, {} legacy",
               s.pages_added, s.pages_updated, s.pages_unchanged, s.pages_removed, s.pages_rejected,
               s.pages_skipped, s.pages_legacy);
  spdlog::info("specs: {} added, {} removed", s.specs_added, s.specs_removed);
}

}  // namespace

Runner add_ingest_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<IngestArgs>();
  auto* cmd = app.add_subcommand("ingest", "Read cache pages (files or directories of *.md) into the database");
  cmd->add_option("paths", args->paths, "Pages, or directories searched for *.md")->required();
  cmd->add_flag("--prune", args->options.prune, "Remove the pages of each release seen that this run did not see");
  cmd->add_flag("--force", args->options.force, "Prune even if some pages were rejected");
  cmd->add_option("--max-page-bytes", args->options.max_page_bytes,
                  "Reject, unread, any file larger than this many bytes")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  return [cmd, args, &global]() -> int {
    if (!*cmd) return -1;
    auto db = open_database(resolve_db_path(global.db), OpenMode::ReadWrite);
    std::vector<std::filesystem::path> paths(args->paths.begin(), args->paths.end());
    auto summary = ingest(db, paths, args->options);
    log_summary(summary);
    return summary.exit_code();
  };
}

}  // namespace cachedb::cli
