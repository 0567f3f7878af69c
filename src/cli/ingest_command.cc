// `cachedb ingest PATH...`
#include <algorithm>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/index_options.h"
#include "cli/log_file.h"
#include "cli/stop_signals.h"
#include "formats/cache_page/page.h"
#include "ingest/index_ingest.h"
#include "ingest/ingester.h"
#include "ingest/lock.h"
#include "ingest/progress.h"
#include "ingest/summary_json.h"
#include "storage/database.h"
#include "storage/page_cache.h"
#include "util/warm_heap.h"

namespace cachedb::cli {
namespace {

struct IngestArgs {
  std::vector<std::string> paths;
  IngestOptions options;
  bool json = false;
  std::string log_file;
  IndexOptions indexes;
  bool replace_release_kind = false;
};

// Wipes the progress bar before any log line reaches the terminal, so a
// rejection is printed on a line of its own; the bar redraws on the next page.
class ClearBarSink : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit ClearBarSink(ProgressBar& bar) : bar_(bar) {}

 protected:
  void sink_it_(const spdlog::details::log_msg&) override { bar_.clear(); }
  void flush_() override {}

 private:
  ProgressBar& bar_;
};

// Keeps a sink on the default logger for one scope (the bar's lifetime).
struct ScopedSink {
  std::shared_ptr<spdlog::sinks::sink> sink;
  ~ScopedSink() {
    if (!sink) return;
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
  }
};

constexpr std::size_t kIndexRunHeap = std::size_t{1} << 20;

}  // namespace

Runner add_ingest_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<IngestArgs>();
  auto* cmd = app.add_subcommand(
      "ingest", "Read cache pages (files or directories of *.md), or Spack build-cache indexes, into the database");
  cmd->add_option("paths", args->paths, "Pages, or directories searched for *.md");
  add_index_options(cmd, args->indexes);
  cmd->add_flag("--replace-release-kind", args->replace_release_kind,
                "Let indexes replace the pages of a release (or pages its indexes) instead of refusing them");
  cmd->add_flag("--prune", args->options.prune,
                "Remove the stored pages whose files are no longer in the tree: of each release seen, and any read "
                "before from under a directory given; with --listing, every index stored "
                "whose (release, stack) the listing no longer names");
  cmd->add_flag("--force", args->options.force, "Prune even if some pages (or indexes) were rejected");
  cmd->add_flag("--json", args->json, "Print the run summary as one JSON object on stdout");
  cmd->add_option("--log-file", args->log_file, "Also append the log (info and above, timestamped) to this file");
  cmd->footer(
      "Exit status: 0 every page (or index) read; 2 some pages or indexes rejected, or refused for a release of "
      "the other kind (the others are committed; --prune then removed nothing unless --force), or --prune refused "
      "because files or directories could not be opened; 1 fatal, nothing changed (also when another ingest is running on the database, or "
      "when the process runs out of file descriptors or memory while walking the tree); 64 bad command line.");
  cmd->add_option("--max-page-bytes", args->options.max_page_bytes,
                  fmt::format("Reject, unread, any file larger than this many bytes (at most {})", kMaxPageBytes))
      ->capture_default_str()
      ->check(whole_number(1, static_cast<long long>(kMaxPageBytes)));
  add_threads_option(cmd, args->options.threads);
  return [cmd, args, &global]() -> int {
    if (!*cmd) return -1;
    // An index run's first MiB of heap (the listing, the database's page
    // cache, the run's bookkeeping) mapped in one call rather than faulted in
    // a page at a time (util/warm_heap.h): an unchanged nightly re-ingest of
    // 105 indexes 334 -> 174 page faults, 12.3 -> 11.9 ms (medians of 300,
    // alternated), on a host where a fault costs ~10 us. 512 KiB left ~50 of
    // those faults, 2 MiB no fewer.
    // Page runs keep their own malloc settings (cli/main.cc).
    // The page cache of an index run in huge pages (storage/page_cache.h),
    // before the database is opened: SQLite takes the setting only then.
    if (args->indexes.given()) {
      warm_heap(kIndexRunHeap);
      reserve_page_cache(static_cast<std::size_t>(kIndexRunCacheKiB) * 1024 / kNewDatabasePageBytes);
    }
    // A listing or mirror that cannot be read fails the run, logged as failed
    // in the database like any run that fails (below), not before it.
    std::vector<IndexInput> index_inputs_given;
    std::optional<std::string> unlisted;
    try {
      index_inputs_given = index_inputs(args->indexes, args->paths);
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      unlisted = e.what();
    }
    if (!args->indexes.given() && args->paths.empty())
      throw UsageError("give pages (files or directories), or --index, --mirror or --listing");
    if (args->indexes.given() && (args->options.prune || args->options.force) && args->indexes.listing.empty())
      throw UsageError("--prune and --force are for pages or --listing (one --index or --mirror names no whole site)");
    // What -q/-v chose for the terminal: err, warn (default) or info.
    const auto console = spdlog::default_logger()->level();
    if (!args->log_file.empty()) add_log_file(args->log_file);
    const SayWhenStopped say_when_stopped(args->log_file);

    const auto db_path = resolve_db_path(global.db);
    // Taken before the connection opens, released after it closes.
    IngestLock lock(db_path);
    // Into a database that does not exist yet, the first index is read while the database is made.
    IndexHeadStart head_start(index_inputs_given, db_path);
    auto db = [&] {
      try {
        return open_database(db_path, OpenMode::ReadWrite);
      } catch (const RefusedDatabase&) {
        lock.refused();
        throw;
      }
    }();
    // However the run ends, the WAL is emptied before the connection closes,
    // so that no reader pays for it afterwards.
    struct EmptyWal {
      SQLite::Database& db;
      ~EmptyWal() { empty_wal(db); }
    } empty_wal_at_end{db};

    IndexIngestOptions index_options;
    index_options.replace_release_kind = args->replace_release_kind;
    index_options.prune = args->options.prune;
    index_options.force = args->options.force;
    if (unlisted) {
      log_unlisted_run(db, args->indexes.listing.empty() ? args->indexes.mirror : args->indexes.listing, index_options,
                       *unlisted);
      throw Error(*unlisted);
    }

    IngestOptions options = args->options;
    IngestSummary summary;
    {
      // Only for a person at a terminal; cron and systemd get no bar.
      const bool show_bar = ProgressBar::stderr_is_terminal() && console <= spdlog::level::warn;
      ProgressBar bar(show_bar);
      ScopedSink clear_bar;
      if (show_bar) {
        options.on_progress = [&bar](std::size_t done, std::size_t total) { bar.update(done, total); };
        clear_bar.sink = std::make_shared<ClearBarSink>(bar);
        clear_bar.sink->set_level(console);  // lines meant only for --log-file leave the bar alone
        auto& sinks = spdlog::default_logger()->sinks();
        sinks.insert(sinks.begin(), clear_bar.sink);
      }
      if (!index_inputs_given.empty()) {
        summary = ingest_indexes(db, index_inputs_given, index_options, &head_start);
      } else {
        options.replace_release_kind = args->replace_release_kind;
        std::vector<std::filesystem::path> paths(args->paths.begin(), args->paths.end());
        summary = ingest(db, paths, options);
      }
    }
    say_when_stopped.run_committed();

    // The summary: always in the log file, on the terminal unless -q.
    const std::string line = index_inputs_given.empty() ? summary_line(summary) : index_summary_line(summary);
    spdlog::info("{}", line);
    if (console == spdlog::level::warn) tell("{}\n", line);
    if (args->json) {
      // Exit 1 although the run is committed: whoever asked for the summary
      // reads the exit status to know that it is missing.
      if (!write_stdout(summary_json(summary) + "\n", "the --json summary", "; the run is committed"))
        return kExitFatal;
    }
    return summary.exit_code();
  };
}

}  // namespace cachedb::cli
