// `cachedb check PATH...`: validate pages without a database.
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/index_options.h"
#include "formats/cache_page/page.h"
#include "ingest/page_check.h"

namespace cachedb::cli {

Runner add_check_command(CLI::App& app, const GlobalOptions&) {
  struct Args {
    std::vector<std::string> paths;
    std::uintmax_t max_page_bytes = IngestOptions{}.max_page_bytes;
    unsigned threads = 0;
    IndexOptions indexes;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "check", "Read and validate pages as ingest would, without writing anything (no database needed)");
  cmd->add_option("paths", args->paths, "Pages, or directories searched for *.md");
  add_index_options(cmd, args->indexes);
  cmd->add_option("--max-page-bytes", args->max_page_bytes, fmt::format("Reject, unread, any file larger than this many bytes (at most {})", kMaxPageBytes))
      ->capture_default_str()
      ->check(whole_number(1, static_cast<long long>(kMaxPageBytes)));
  add_threads_option(cmd, args->threads, "Threads that walk, read and parse pages, or read indexes (one index each)");
  cmd->footer("Exit status: 0 every page (or index) is good; 2 some pages or indexes would be rejected (each is "
              "logged with its file and line, or byte offset; an index file that is missing is one); 1 fatal (a page "
              "path does not exist, or the process ran out of file descriptors or memory while walking the tree, "
              "which then went partly unchecked); 64 bad command line.");
  return [cmd, args]() -> int {
    if (!*cmd) return -1;
    const auto console = spdlog::default_logger()->level();
    if (const auto inputs = index_inputs(args->indexes, args->paths); !inputs.empty()) {
      const IngestSummary summary = check_indexes(inputs, args->threads);
      if (console <= spdlog::level::warn)
        tell("checked {} indexes ({} records): {} rejected\n", summary.pages_added + summary.pages_rejected,
             summary.specs_added, summary.pages_rejected);
      return summary.exit_code();
    }
    if (args->paths.empty()) throw UsageError("give pages (files or directories), or --index, --mirror or --listing");
    const std::vector<std::filesystem::path> paths(args->paths.begin(), args->paths.end());
    const CheckSummary summary = check_pages(paths, args->max_page_bytes, args->threads);
    if (console <= spdlog::level::warn) tell("{}\n", summary_line(summary));
    return summary.exit_code();
  };
}

}  // namespace cachedb::cli
