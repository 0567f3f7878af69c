#include "ingest/ingester.h"

#include <fstream>
#include <set>

#include <sqlite3.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "error.h"
#include "ingest/file_walker.h"
#include "ingest/findings.h"
#include "ingest/page_writer.h"
#include "ingest/run_log.h"
#include "parsing/page.h"

namespace cachedb {
namespace {

namespace fs = std::filesystem;

// Reads a whole file; throws ParseError (line 0) when it cannot.
std::string read_file(const fs::path& path, std::uintmax_t max_bytes) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) throw ParseError(0, "cannot read: " + ec.message());
  if (size > max_bytes)
    throw ParseError(0, fmt::format("file is {} bytes, over the {}-byte page limit", size, max_bytes));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ParseError(0, "cannot open for reading");
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) throw ParseError(0, "short read");
  return bytes;
}

class Run {
 public:
  Run(SQLite::Database& db, const IngestOptions& options) : db_(db), options_(options), writer_(db) {}

  void page(const fs::path& path) {
    const std::string where = path.string();
    try {
      const std::string bytes = read_file(path, options_.max_page_bytes);
      const std::string fingerprint = content_fingerprint(bytes);
      if (auto known = writer_.find_by_content(fingerprint)) {
        // Byte-identical to a stored page: nothing to parse or write.
        ++summary_.pages_unchanged;
        seen_.emplace(known->release_id, known->package_id);
        return;
      }
      Page page = parse_page(bytes);
      if (page.kind == PageKind::NotCache) {
        ++summary_.pages_skipped;
        return;
      }
      if (page.kind == PageKind::Legacy) {
        ++summary_.pages_legacy;
        return;
      }
      PageWriteResult r;
      try {
        r = writer_.write(page, fs::absolute(path).string(), fingerprint, now_);
      } catch (const ParseError& e) {
        // A variant or compiler the parser passed but the writer could not split.
        throw ParseError(e.line() ? e.line() : page.spec_details_line, e.what());
      }
      seen_.emplace(r.release_id, r.package_id);
      switch (r.status) {
        case PageStatus::Added: ++summary_.pages_added; break;
        case PageStatus::Updated: ++summary_.pages_updated; break;
        case PageStatus::Unchanged: ++summary_.pages_unchanged; break;
      }
      summary_.specs_added += r.specs_added;
      summary_.specs_removed += r.specs_removed;
      const std::size_t known_findings = summary_.findings.size();
      check_meta(page, where, summary_.findings);
      note_conflicts(page, where, r.conflicts, summary_.findings);
      // Findings are for analysts (ingest_findings, `cachedb runs`), not for cron mail.
      for (auto i = known_findings; i < summary_.findings.size(); ++i)
        spdlog::info("{}: {}", where, summary_.findings[i].message);
    } catch (const ParseError& e) {
      reject(where, e.line(), e.what());
    }
  }

  void reject(const std::string& path, std::size_t line, const std::string& message) {
    ++summary_.pages_rejected;
    if (line) spdlog::error("{}:{}: {}", path, line, message);
    else spdlog::error("{}: {}", path, message);
    summary_.rejections.push_back({path, line, message});
  }

  // Removes, for each release seen, the pages this run did not see. A page
  // whose file is there but was rejected is kept even with --force: a broken
  // page never removes what its earlier good version stored.
  void prune() {
    if (!summary_.rejections.empty() && !options_.force) {
      summary_.prune_refused = true;
      spdlog::error("not pruning: {} page(s) were rejected, so the tree is incomplete (use --force to prune anyway)",
                    summary_.rejections.size());
      return;
    }
    std::set<std::string> rejected_paths;  // as page.path stores them: absolute
    for (const auto& r : summary_.rejections) rejected_paths.insert(fs::absolute(r.path).string());
    std::set<std::int64_t> releases;
    for (const auto& [release, package] : seen_) releases.insert(release);
    SQLite::Statement pages(db_, "SELECT id, package_id, path FROM page WHERE release_id = ?");
    for (auto release : releases) {
      std::vector<std::int64_t> gone;
      pages.bind(1, release);
      while (pages.executeStep())
        if (!seen_.count({release, pages.getColumn(1).getInt64()}) &&
            !rejected_paths.count(pages.getColumn(2).getString()))
          gone.push_back(pages.getColumn(0).getInt64());
      pages.reset();
      for (auto id : gone) {
        summary_.specs_removed += writer_.remove(id);
        ++summary_.pages_removed;
      }
    }
  }

  IngestSummary& summary() { return summary_; }

 private:
  SQLite::Database& db_;
  const IngestOptions& options_;
  PageWriter writer_;
  IngestSummary summary_;
  std::set<std::pair<std::int64_t, std::int64_t>> seen_;  // (release, package) pages met in this run
  const std::string now_ = utc_timestamp();
};

// Undoes the run's transaction. SQLite may already have rolled it back itself
// (disk full, I/O error); then there is nothing to do, and the error that
// brought us here is the one to report.
void rollback(SQLite::Database& db) noexcept {
  if (sqlite3_get_autocommit(db.getHandle())) return;
  try {
    db.exec("ROLLBACK");
  } catch (const std::exception& e) {
    spdlog::error("{}: rollback failed: {}", db.getFilename(), e.what());
  }
}

// The run itself; ingest() wraps it with the run log's failure path.
IngestSummary ingest_logged(SQLite::Database& db, const std::vector<fs::path>& inputs, const IngestOptions& options,
                            RunLog& log) {
  WalkResult walk = find_pages(inputs);
  for (const auto& [path, why] : walk.passed_over) spdlog::warn("{}: passed over: {}", path.string(), why);

  try {
    db.exec("BEGIN IMMEDIATE");
  } catch (const SQLite::Exception& e) {
    throw Error(fmt::format("{}: cannot start writing: {}", db.getFilename(), e.what()));
  }
  try {
    Run run(db, options);
    run.summary().pages_skipped += static_cast<std::int64_t>(walk.passed_over.size());
    const std::size_t total = walk.files.size();
    for (std::size_t i = 0; i < total; ++i) {
      run.page(walk.files[i]);
      if (options.on_progress) options.on_progress(i + 1, total);
    }
    if (options.prune) run.prune();
    run.summary().run_id = log.id();
    log.finish(run.summary());
    db.exec("COMMIT");
    return std::move(run.summary());
  } catch (const SQLite::Exception& e) {
    rollback(db);
    throw Error(fmt::format("{}: ingest failed, nothing was changed: {}", db.getFilename(), e.what()));
  } catch (...) {
    rollback(db);
    throw;
  }
}

}  // namespace

IngestSummary ingest(SQLite::Database& db, const std::vector<fs::path>& inputs, const IngestOptions& options) {
  RunLog log(db, inputs, options);
  try {
    return ingest_logged(db, inputs, options, log);
  } catch (const std::exception& e) {
    log.fail(e.what());
    throw;
  }
}

}  // namespace cachedb
