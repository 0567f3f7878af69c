#include "ingest/ingester.h"

#include <algorithm>
#include <memory>
#include <map>
#include <set>
#include <variant>

#include <sqlite3.h>
#include <xxhash.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <SQLiteCpp/Exception.h>

#include "error.h"
#include "formats/registry.h"
#include "ingest/dependency_compilers.h"
#include "ingest/file_walker.h"
#include "ingest/findings.h"
#include "ingest/file_loader.h"
#include "ingest/index_writer.h"
#include "ingest/page_writer.h"
#include "ingest/run_log.h"
#include "ingest/write_transaction.h"
#include "parsing/text_limits.h"
#include "storage/sources.h"
#include "storage/sqlite_errors.h"
#include "storage/transaction.h"
#include "storage/unused_names.h"
#include "util/out_of_resources.h"
#include "formats/cache_page/page.h"
#include "util/utf8.h"

namespace cachedb {
namespace {

namespace fs = std::filesystem;

// The pages stored in the database, asked through a lookup of storage/.
KnownPage known_page(const StoredSource& s) { return KnownPage{s.id, s.release_id, s.key_id}; }
std::optional<KnownPage> known_page(const std::optional<StoredSource>& s) {
  return s ? std::optional<KnownPage>(known_page(*s)) : std::nullopt;
}

// Through the connection given, for a caller that owns it.
class StoredPages : public KnownPages {
 public:
  explicit StoredPages(SQLite::Database& db) : lookup_(db, kPageKind) {}
  std::optional<KnownPage> by_stamp(const std::string& path, const FileStamp& stamp) override {
    return known_page(lookup_.by_stamp(path, stamp.size, stamp.mtime_ns));
  }
  std::optional<KnownPage> by_content(const std::string& fingerprint) override {
    return known_page(lookup_.by_content(fingerprint));
  }

 private:
  SourceLookup lookup_;
};

// Through a read-only connection of its own, so that the loader thread can
// skip unchanged files without touching the writer's connection.
class StoredPagesReader : public KnownPages {
 public:
  explicit StoredPagesReader(const std::string& db_path) : reader_(db_path, kPageKind) {}
  std::optional<KnownPage> by_stamp(const std::string& path, const FileStamp& stamp) override {
    return known_page(reader_.lookup().by_stamp(path, stamp.size, stamp.mtime_ns));
  }
  std::optional<KnownPage> by_content(const std::string& fingerprint) override {
    return known_page(reader_.lookup().by_content(fingerprint));
  }

 private:
  SourceLookupReader reader_;
};

// Each loading thread gets a connection of its own. An in-memory database has
// no second connection: its loader asks nothing, and the page writer still
// recognizes an unchanged page by its content hash. Nor does a database with
// no pages yet: a first ingest does not stat every file twice for nothing.
KnownPagesFactory known_pages(SQLite::Database& db) {
  std::string path = db.getFilename();
  if (path.empty() || !any_source(db)) return nullptr;
  return [path] { return std::make_unique<StoredPagesReader>(path); };
}

// A directory given to the run: as the walk begins the stored paths of the
// files under it (absolute, ending in '/'), and as it was given (from the
// working directory), to look under it as the walk does.
struct WalkedDirectory {
  std::string stored, given;
};

class Run {
 public:
  Run(SQLite::Database& db, const IngestOptions& options)
      : db_(db), options_(options), unused_names_(db), writer_(db) {}

  // One file of the walk, whatever it turned out to be.
  void file(LoadedFile& loaded) {
    note_in_tree(path_of(loaded));
    std::visit([this](auto& f) { take(f); }, loaded);
  }

  void take(const PassedOver& f) {
    log_passed_over(f.path, f.why);
    ++summary_.pages_skipped;
    if (f.unreadable) ++unreadable_;
  }

  void take(const Rejected& f) { reject(f.path, f.error.line(), f.error.what()); }

  void take(const Known& f) {
    if (met(f.page.page_id)) {
      duplicate(f.path, f.page.page_id);
      return;
    }
    // Byte-identical to a stored page: nothing to parse or write, but a file
    // checked out anew gets its stamp stored, to be recognized unread next time.
    if (!f.by_stamp && f.stamp.size >= 0) writer_.restamp(f.page, storable_text(f.path), f.stamp);
    ++summary_.pages_unchanged;
    see(f.page.page_id, f.page.release_id);
  }

  void take(Parsed& f) {
    std::visit([&](const auto& document) { store(f, document); }, f.document);
  }

  // A cache page: written, unless it is not one (skipped) or another file of
  // this run gave it first.
  void store(Parsed& f, const Page& page) {
    const std::string& where = f.path;
    try {
      if (page.kind == PageKind::NotCache) {
        log_skipped(where, page);
        ++summary_.pages_skipped;
        return;
      }
      if (page.kind == PageKind::Legacy) {
        log_skipped(where, page);
        ++summary_.pages_legacy;
        return;
      }
      const PageKey key = writer_.key(page);
      // A streamed page is read again, when it is to be written, before its
      // release is checked (which may replace the release's indexes) and
      // anything of it is written: a file changed since is rejected.
      PaddedBuffer text;
      if (page.streamed && writer_.will_write(key, f.fingerprint, seen_pages_)) text = read_again(f);
      if (!release_takes_pages(key.release_id, page.release, where)) return;
      const PageWriteResult r = page.streamed ? write_streamed(page, key, f, std::move(text))
                                              : writer_.write(page, key, storable_text(where), f.fingerprint,
                                                              f.stamp, now_, seen_pages_);
      if (r.status == PageStatus::Duplicate) {
        duplicate(where, r.page_id);
        return;
      }
      see(r.page_id, r.release_id);
      switch (r.status) {
        case PageStatus::Added: ++summary_.pages_added; break;
        case PageStatus::Updated: ++summary_.pages_updated; break;
        case PageStatus::Unchanged: ++summary_.pages_unchanged; break;
        case PageStatus::Duplicate: break;
      }
      summary_.specs_added += r.specs_added;
      summary_.specs_removed += r.specs_removed;
      const std::size_t known_findings = summary_.findings.size();
      summary_.findings.insert(summary_.findings.end(), std::make_move_iterator(f.findings.begin()),
                               std::make_move_iterator(f.findings.end()));
      note_conflicts(page, where, r.conflicts, summary_.findings);
      // Findings are for analysts (ingest_findings, `cachedb runs`), not for cron mail.
      for (auto i = known_findings; i < summary_.findings.size(); ++i)
        spdlog::info("{}: {}", where, summary_.findings[i].message);
    } catch (const ParseError& e) {
      reject(where, e.line(), e.what());
    }
  }

  // A page the loader checked a chunk at a time (ParseOptions::stream_specs_from) is
  // read again and written as it is parsed, so that no copy of its specs is
  // held whole. The bytes read again must be those checked: the parse then
  // cannot fail half-way, which would leave half a page written. A file that
  // changed since, or cannot be read, is rejected before anything is written.
  PaddedBuffer read_again(const Parsed& f) {
    PaddedBuffer bytes = read_file_again(f.path, options_.max_page_bytes);
    if (content_fingerprint(bytes.view()) != f.fingerprint)
      throw ParseError(0, "changed while the run read it (its bytes differ from those checked)");
    ++summary_.pages_read_again;
    spdlog::debug("{}: streamed, read again to be written", f.path);
    return bytes;
  }

  PageWriteResult write_streamed(const Page& page, const PageKey& key, const Parsed& f, PaddedBuffer bytes) {
    Page reread;  // holds the text that the rows written point into until the page is written
    auto specs = [&](const std::function<void(const SpecList&)>& take) {
      if (bytes.size() == 0)
        throw Error(fmt::format("{}: to be written, though it was not read again to be", f.path));
      const SpecStream stream{0, take};
      try {
        reread = parse_page(std::move(bytes), &stream);
      } catch (const ParseError& e) {
        throw Error(fmt::format("{}: read again, the page no longer parses as it did ({})", f.path, e.what()));
      }
      if (!reread.streamed || reread.spec_count != page.spec_count)
        throw Error(fmt::format("{}: read again, the page no longer lists the specs it did", f.path));
    };
    return writer_.write(page, key, storable_text(f.path), f.fingerprint, f.stamp, now_, seen_pages_, specs);
  }

  // One release, one kind of source: a release read from build-cache indexes
  // takes no pages (the page is rejected) unless they are to replace its
  // indexes, which then go, once, before its first page is written.
  bool release_takes_pages(std::int64_t release_id, const std::string& release, const std::string& where) {
    auto [it, first] = release_kind_checked_.try_emplace(release_id, true);
    if (first && release_holds(db_, kIndexKind, release_id)) {
      if (options_.replace_release_kind) {
        // Made only when needed: its scratch tables would keep a bulk load's
        // index build from sorting through temporary files.
        if (!indexes_) indexes_ = std::make_unique<IndexWriter>(db_);
        summary_.specs_removed += indexes_->remove_release(release_id, summary_.findings);
        spdlog::warn("release {}: build-cache indexes replaced by cache pages", release);
      } else {
        it->second = false;
      }
    }
    if (!it->second)
      reject(where, 0, fmt::format("release {} was read from build-cache indexes, and this is a cache page of it: "
                                   "one release is read from one kind of source (--replace-release-kind replaces "
                                   "its indexes with pages)",
                                   release));
    return it->second;
  }
  std::map<std::int64_t, bool> release_kind_checked_;  // release id -> whether it takes pages
  std::unique_ptr<IndexWriter> indexes_;

  void reject(const std::string& path, std::size_t line, const std::string& message) {
    ++summary_.pages_rejected;
    summary_.rejections.push_back({path, line, message});
    log_rejection(summary_.rejections.back());
  }

  // Removes, for each release seen, the pages this run did not see, unless
  // their file is still in the tree: whatever happened to it (rejected, even
  // with --force; skipped; passed over; now another page), a file that is
  // there never removes what an earlier version of it stored. A release the
  // run saw no page of loses the pages it read from under a directory walked
  // now (`walked`) whose files are gone, or out of the walk's reach
  // (gone_from_walk()): the site drops an old snapshot by deleting its directory.
  void prune(const std::vector<WalkedDirectory>& walked) {
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
    std::sort(in_tree_.begin(), in_tree_.end());
    for (auto release : seen_releases_) {
      std::vector<std::int64_t> gone;
      each_source_of_release(db_, kPageKind, release, [&](std::int64_t page_id, std::string_view path) {
        const auto id = static_cast<std::uint64_t>(page_id);
        if ((id >= seen_pages_.size() || !seen_pages_[id]) &&
            !std::binary_search(in_tree_.begin(), in_tree_.end(), path_key(path)))
          gone.push_back(page_id);
      });
      remove_pages(gone);
    }
    if (walked.empty()) return;
    std::vector<std::int64_t> gone;
    each_source_of_kind(db_, kPageKind, [&](std::int64_t page_id, std::int64_t release, std::string_view path) {
      // A stored path that is not the file's own bytes (not UTF-8, so kept with
      // U+FFFD in place of the bad ones) can neither be matched nor looked at.
      if (seen_releases_.count(release) || path.find(kReplacementCharacter) != std::string_view::npos ||
          !under_any(path, walked) ||
          std::binary_search(in_tree_.begin(), in_tree_.end(), path_key(path)) || !gone_from_walk(path, walked))
        return;
      gone.push_back(page_id);
    });
    remove_pages(gone);
  }

  // See PageWriter::begin_bulk_load: worth it for a run into an empty database.
  void begin_bulk_load() {
    if (writer_.begin_bulk_load()) spdlog::debug("empty database: indexes are built after loading");
  }
  void finish_bulk_load() { writer_.finish_bulk_load(); }
  // The run's last data step (storage/unused_names.h).
  void delete_unused_names() { unused_names_.delete_if_changed(); }

  IngestSummary& summary() { return summary_; }

 private:
  SQLite::Database& db_;
  const IngestOptions& options_;
  UnusedNames unused_names_;  // before the writer: what it writes counts as the run's
  PageWriter writer_;
  IngestSummary summary_;
  // A second file for a page (release, package) another file of this run
  // gave: the first in the walk's order is the page, every night the same;
  // this one is passed over and reported, naming both.
  void duplicate(const std::string& path, std::int64_t page_id) {
    const PageWriter::StoredPage first = writer_.stored_page(page_id);
    ++summary_.pages_skipped;
    Finding f = duplicate_page(path, first.release, first.package, first.path);
    spdlog::warn("{}: {}", path, f.message);
    summary_.findings.push_back(std::move(f));
  }

  void remove_pages(const std::vector<std::int64_t>& ids) {
    for (auto id : ids) {
      summary_.specs_removed += writer_.remove(id);
      ++summary_.pages_removed;
    }
  }
  // Under `dir` as text, and with no '..' after it: `tree/old/../../other/...`
  // begins with `tree/` but names a file of another tree, which must keep its pages.
  static bool under(std::string_view path, std::string_view dir) {
    if (!path.starts_with(dir)) return false;
    const std::string_view rest = path.substr(dir.size());
    return !rest.starts_with("../") && rest.find("/../") == std::string_view::npos;
  }
  static bool under_any(std::string_view path, const std::vector<WalkedDirectory>& dirs) {
    return std::any_of(dirs.begin(), dirs.end(), [&](const WalkedDirectory& d) { return under(path, d.stored); });
  }
  // Whether no walk of `dirs` could have met `path`, so that a fresh ingest
  // of them would not read it either: it names nothing, or nothing a walk of
  // the directories holding it reaches (walk_reaches(): through a link to a
  // directory, which the walk does not follow, as when a release's directory
  // is replaced by a link to a copy of it; a loop; a directory the walk could
  // not open, which makes it incomplete, so that only --force prunes, taking
  // what is under it as in a release the run saw). A file the walk reaches,
  // in any form, even one it does not take, keeps its page, as in a release
  // the run saw; so does one the system will not say about.
  static bool gone_from_walk(std::string_view path, const std::vector<WalkedDirectory>& dirs) {
    return std::none_of(dirs.begin(), dirs.end(), [&](const WalkedDirectory& d) {
      if (!under(path, d.stored)) return false;
      const WalkReach reach = walk_reaches(d.given, path.substr(d.stored.size()));
      return reach == WalkReach::met || reach == WalkReach::unknown;
    });
  }

  bool met(std::int64_t page_id) const {
    const auto id = static_cast<std::uint64_t>(page_id);
    return id < seen_pages_.size() && seen_pages_[id];
  }

  // Notes a page met in this run, for --prune.
  void see(std::int64_t page_id, std::int64_t release_id) {
    const auto id = static_cast<std::uint64_t>(page_id);
    if (id >= seen_pages_.size()) seen_pages_.resize(std::max<std::uint64_t>(id + 1, seen_pages_.size() * 2));
    seen_pages_[id] = true;
    seen_releases_.insert(release_id);
  }

  // The ids of the pages met in this run, as one bit each (page ids are dense:
  // a million pages take 125 kB), and their releases.
  std::vector<bool> seen_pages_;
  std::set<std::int64_t> seen_releases_;

  // A path as page.path stores it, hashed: 8 bytes a file, where the paths
  // themselves would take some 100. Two paths with the same hash (about one
  // chance in 10^7 over a million files) could only keep a page --prune
  // would have removed, never remove one.
  static std::uint64_t path_key(std::string_view stored_path) {
    return XXH3_64bits(stored_path.data(), stored_path.size());
  }
  // Notes a file of this run's tree (a page or not, read or passed over), for --prune.
  void note_in_tree(const std::string& path) {
    if (!options_.prune) return;
    in_tree_.push_back(is_valid_utf8(path) ? path_key(path) : path_key(storable_text(path)));
  }
  // Every file of the tree, by path_key; sorted when the prune starts.
  std::vector<std::uint64_t> in_tree_;
  std::size_t unreadable_ = 0;  // files and directories passed over because they could not be read
  const std::string now_ = utc_timestamp();
};

// Runs `body(run)` in the run's one write transaction (write_transaction.h).
template <typename Body>
IngestSummary in_transaction(SQLite::Database& db, const IngestOptions& options, Body&& body) {
  try {
    return in_write_transaction(db, [&] {
      Run run(db, options);
      body(run);
      return std::move(run.summary());
    });
  } catch (const OutOfResources& e) {
    // The walk stopped part way: committing what it saw would pass the rest
    // over (the transaction was rolled back on the way out).
    throw Error(fmt::format("{}: ingest failed, nothing was changed: {}", db.getFilename(), e.what()));
  }
}

// The inputs that are directories (or links to one), spelled as the walk
// begins the stored paths of the files under them (absolute, as typed), and
// as given.
std::vector<WalkedDirectory> walked_directories(const std::vector<fs::path>& inputs) {
  std::vector<WalkedDirectory> dirs;
  const std::string cwd = working_directory();
  std::error_code ec;
  for (const auto& input : inputs)
    if (fs::is_directory(input, ec)) dirs.push_back({join_path(absolute_from(cwd, input.string()), ""), input.string()});
  return dirs;
}

// The run itself; ingest() wraps it with the run log's failure path.
IngestSummary ingest_logged(SQLite::Database& db, const std::vector<fs::path>& inputs, const IngestOptions& options,
                            RunLog& log) {
  check_inputs(inputs);  // fails here, before any write, when an input is missing
  const std::size_t total = options.on_progress ? count_files(inputs, some_format_takes) : 0;
  return in_transaction(db, options, [&](Run& run) {
    run.begin_bulk_load();
    FileLoader loader(inputs, options.max_page_bytes, known_pages(db), options.threads,
                      ParseOptions{options.stream_specs_from});
    for (std::size_t done = 1; auto loaded = loader.next(); ++done) {
      run.file(*loaded);
      if (options.on_progress) options.on_progress(done, total);
    }
    if (options.prune) run.prune(walked_directories(inputs));
    // A page run deletes specs too, and one may have been the compiler node of an index's spec.
    settle_dependency_compilers(db, &run.summary().findings);
    run.finish_bulk_load();
    run.delete_unused_names();
    // Logged inside the transaction: a run reads ok exactly when its data is committed.
    run.summary().run_id = log.id();
    log.finish(run.summary());
  });
}

}  // namespace

Rejection rejection_of(const std::string& path, std::string message) {
  if (message.size() > path.size() + 2 && message.starts_with(path) && message.compare(path.size(), 2, ": ") == 0)
    message.erase(0, path.size() + 2);
  return {path, 0, std::move(message)};
}

void log_rejection(const Rejection& r) {
  // An error from opening or reading a file names it already ("x.json: cannot open: ..."): said once.
  const bool named = r.message.size() > r.path.size() && r.message.starts_with(r.path) && r.message[r.path.size()] == ':';
  if (r.line) spdlog::error("{}:{}: {}", r.path, r.line, r.message);
  else if (named) spdlog::error("{}", r.message);
  else spdlog::error("{}: {}", r.path, r.message);
}

void log_passed_over(const std::string& path, const std::string& why) {
  spdlog::warn("{}: passed over: {}", path, why);
}

void log_skipped(const std::string& path, const Page& page) {
  if (page.kind == PageKind::Legacy)
    spdlog::info("{}: skipped: a page of the 2021 site (spec_files), counted as legacy", path);
  else
    spdlog::info("{}: skipped: not a cache page ({})", path, page.not_cache);
}

IngestSummary ingest(SQLite::Database& db, const std::vector<fs::path>& inputs, const IngestOptions& options) {
  RunLog log(db, inputs, options);
  try {
    return ingest_logged(db, inputs, options, log);
  } catch (const std::exception& e) {
    log.fail(e.what());
    throw;
  }
}

IngestSummary ingest_bytes(SQLite::Database& db, const std::string& name, std::string_view bytes,
                           const IngestOptions& options) {
  return in_transaction(db, options, [&](Run& run) {
    StoredPages known(db);  // this thread owns the connection: ask it directly
    LoadedFile loaded =
        bytes.size() > options.max_page_bytes
            ? LoadedFile(Rejected{name, {}, ParseError(0, fmt::format("page is {} bytes, over the {}-byte page limit",
                                                                      bytes.size(), options.max_page_bytes))})
            : load_bytes(name, bytes, &known);
    run.file(loaded);
    if (options.prune) run.prune({});
    // As ingest's page run: a node described anew, or deleted, relabels the specs it built.
    settle_dependency_compilers(db, &run.summary().findings);
    run.delete_unused_names();
  });
}

}  // namespace cachedb
