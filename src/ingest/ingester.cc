#include "ingest/ingester.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <spdlog/spdlog.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "error.h"
#include "ingest/file_walker.h"
#include "ingest/page_writer.h"
#include "parsing/page.h"
#include "parsing/text_limits.h"
#include "storage/sqlite_errors.h"

namespace cachedb {
namespace {

namespace fs = std::filesystem;

std::string utc_now() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(
                                                  std::chrono::system_clock::now())));
}

// A file that cannot be opened (permissions, a vanished file): passed over with
// a warning, like the FIFOs and broken links the walk already passes over.
struct Unreadable {
  std::string why;
};

// Closes a file descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() { ::close(fd); }
};

// Reads a whole page. Never blocks: O_NONBLOCK and the S_ISREG check keep a
// FIFO that replaced a file since the walk from hanging the run, and the size
// limit is checked on the open file before anything is read.
std::string read_file(const fs::path& path, std::uintmax_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw Unreadable{fmt::format("cannot open: {}", std::strerror(errno))};
  Fd guard{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Unreadable{fmt::format("cannot stat: {}", std::strerror(errno))};
  if (!S_ISREG(st.st_mode)) throw Unreadable{"not a regular file"};
  const auto size = static_cast<std::uintmax_t>(st.st_size);
  if (size > max_bytes)
    throw ParseError(0, fmt::format("file is {} bytes, over the {}-byte page limit (--max-page-bytes)", size,
                                    max_bytes));
  std::string bytes(size, '\0');
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd, bytes.data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ParseError(0, fmt::format("read failed: {}", std::strerror(errno)));
    if (n == 0) throw ParseError(0, fmt::format("file shrank while being read ({} of {} bytes)", got, size));
    got += static_cast<std::size_t>(n);
  }
  return bytes;
}

// The path as stored in the database: TEXT must be UTF-8, but a file name is
// any bytes. Invalid bytes become U+FFFD; logs still show the name as it is.
std::string storable_path(const fs::path& path) {
  const std::string raw = fs::absolute(path).string();
  if (is_valid_utf8(raw)) return raw;
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    // Keep each valid sequence of up to four bytes; replace any other byte.
    std::size_t len = 1;
    while (len <= 4 && i + len <= raw.size() && !is_valid_utf8(std::string_view(raw).substr(i, len))) ++len;
    if (len <= 4 && i + len <= raw.size()) {
      out.append(raw, i, len);
      i += len - 1;
    } else {
      out += "\xEF\xBF\xBD";
    }
  }
  return out;
}

class Run {
 public:
  Run(SQLite::Database& db, const IngestOptions& options) : db_(db), options_(options), writer_(db) {}

  void page(const fs::path& path) {
    const std::string where = path.string();
    std::string bytes;
    try {
      bytes = read_file(path, options_.max_page_bytes);
    } catch (const Unreadable& u) {
      spdlog::warn("{}: passed over: {}", where, u.why);
      ++summary_.pages_skipped;
      ++unreadable_;
      return;
    } catch (const ParseError& e) {
      reject(where, e.line(), e.what());
      return;
    }
    page_bytes(where, storable_path(path), std::move(bytes));
  }

  // `where` names the page in messages, `stored_path` in the database.
  void page_bytes(const std::string& where, const std::string& stored_path, std::string bytes) {
    try {
      // An empty file is most likely a truncated copy: rejecting it (rather
      // than skipping it) also keeps --prune from deleting what it held.
      if (bytes.empty()) throw ParseError(0, "empty file");
      const std::string fingerprint = content_fingerprint(bytes);
      if (auto known = writer_.find_by_content(fingerprint)) {
        // Byte-identical to a stored page: nothing to parse or write.
        ++summary_.pages_unchanged;
        seen_.emplace(known->release_id, known->package_id);
        return;
      }
      Page page = parse_page(bytes);
      // The records point into page.storage, not into the file's bytes: free
      // them now, so a large page is not held twice while it is written.
      std::string().swap(bytes);
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
        r = writer_.write(page, stored_path, fingerprint, now_);
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
      for (const auto& hash : r.conflicts)
        spdlog::warn("{}: spec {} differs from what another page said; this page's version is kept", where,
                     hash);
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

  // Removes, for each release seen, the pages this run did not see.
  void prune() {
    if (unreadable_ && !options_.force) {
      summary_.prune_refused = true;
      spdlog::error("not pruning: {} file(s) or directories could not be read, so the tree is incomplete "
                    "(use --force to prune anyway)",
                    unreadable_);
      return;
    }
    if (!summary_.rejections.empty() && !options_.force) {
      summary_.prune_refused = true;
      spdlog::error("not pruning: {} page(s) were rejected, so the tree is incomplete (use --force to prune anyway)",
                    summary_.rejections.size());
      return;
    }
    std::set<std::int64_t> releases;
    for (const auto& [release, package] : seen_) releases.insert(release);
    SQLite::Statement pages(db_, "SELECT id, package_id FROM page WHERE release_id = ?");
    for (auto release : releases) {
      std::vector<std::int64_t> gone;
      pages.bind(1, release);
      while (pages.executeStep())
        if (!seen_.count({release, pages.getColumn(1).getInt64()})) gone.push_back(pages.getColumn(0).getInt64());
      pages.reset();
      for (auto id : gone) {
        summary_.specs_removed += writer_.remove(id);
        ++summary_.pages_removed;
      }
    }
  }

  IngestSummary& summary() { return summary_; }
  // Directories the walk could not read: pages may be missing, as with unreadable files.
  void note_unreadable(std::size_t directories) { unreadable_ += directories; }

 private:
  SQLite::Database& db_;
  const IngestOptions& options_;
  PageWriter writer_;
  IngestSummary summary_;
  std::set<std::pair<std::int64_t, std::int64_t>> seen_;
  std::size_t unreadable_ = 0;  // files passed over because they could not be opened  // (release, package) pages met in this run
  const std::string now_ = utc_now();
};

// Ends the run's transaction after a failure. SQLite may already have rolled it
// back itself (after a full disk or an I/O error), and a failing ROLLBACK must
// not replace the error that explains what happened.
void roll_back(SQLite::Database& db) noexcept {
  if (sqlite3_get_autocommit(db.getHandle())) return;
  try {
    db.exec("ROLLBACK");
  } catch (const std::exception& e) {
    spdlog::debug("rollback: {}", e.what());
  }
}

std::string describe(SQLite::Database& db, const SQLite::Exception& e) {
  return describe_sqlite_error(e, db.getHandle());
}

// Runs `body` inside the run's write transaction; a fatal error rolls it all back.
template <typename Body>
IngestSummary in_transaction(SQLite::Database& db, const IngestOptions& options, Body&& body) {
  try {
    db.exec("BEGIN IMMEDIATE");
  } catch (const SQLite::Exception& e) {
    throw Error(fmt::format("{}: cannot start writing: {}", db.getFilename(), describe(db, e)));
  }
  try {
    Run run(db, options);
    body(run);
    if (options.prune) run.prune();
    db.exec("COMMIT");
    return std::move(run.summary());
  } catch (const SQLite::Exception& e) {
    const std::string why = describe(db, e);
    roll_back(db);
    throw Error(fmt::format("{}: ingest failed, nothing was changed: {}", db.getFilename(), why));
  } catch (...) {
    roll_back(db);
    throw;
  }
}

}  // namespace

IngestSummary ingest(SQLite::Database& db, const std::vector<fs::path>& inputs, const IngestOptions& options) {
  WalkResult walk = find_pages(inputs);
  for (const auto& [path, why] : walk.passed_over) spdlog::warn("{}: passed over: {}", path.string(), why);
  return in_transaction(db, options, [&](Run& run) {
    run.summary().pages_skipped += static_cast<std::int64_t>(walk.passed_over.size());
    run.note_unreadable(walk.unreadable_directories);
    for (const auto& path : walk.files) run.page(path);
  });
}

IngestSummary ingest_bytes(SQLite::Database& db, const std::string& name, std::string_view bytes,
                           const IngestOptions& options) {
  return in_transaction(db, options, [&](Run& run) {
    if (bytes.size() > options.max_page_bytes) {
      run.reject(name, 0, fmt::format("page is {} bytes, over the {}-byte page limit", bytes.size(),
                                      options.max_page_bytes));
      return;
    }
    run.page_bytes(name, name, std::string(bytes));
  });
}

}  // namespace cachedb
