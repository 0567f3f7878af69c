#include "ingest/index_ingest.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <SQLiteCpp/Exception.h>
#include <xxhash.h>

#include "error.h"
#include "formats/spack_index/byte_stream.h"
#include "formats/spack_index/index_error.h"
#include "formats/spack_index/index_reader.h"
#include "formats/spack_index/mirror_layout.h"
#include "formats/spack_index/site_listing.h"
#include "ingest/cpu_count.h"
#include "ingest/file_source.h"
#include "ingest/findings.h"
#include "ingest/hash_ahead.h"
#include "ingest/index_pipeline.h"
#include "ingest/index_writer.h"
#include "ingest/job_pool.h"
#include "ingest/page_writer.h"
#include "ingest/run_log.h"
#include "ingest/summary_json.h"
#include "ingest/write_transaction.h"
#include "storage/sources.h"
#include "storage/sqlite_errors.h"
#include "storage/transaction.h"
#include "storage/unused_names.h"
#include "util/out_of_resources.h"
#include "util/utf8.h"
#include "util/warm_heap.h"

namespace cachedb {
namespace {

namespace fs = std::filesystem;
using spack_index::ByteSource;

// An index read without its sha256 checked (FingerprintingSource's
// check_later) differs from it, or changed while it was read.
struct ReadAgain : Error {
  using Error::Error;
};

// From a catch block that would reject the index at `path`: out of memory
// or file descriptors is the machine's failure, not the index's, and fails
// the run instead (util/out_of_resources.h), as it fails a walk of pages.
void rethrow_if_out_of_resources(const std::string& path) {
  try {
    throw;
  } catch (const OutOfResources&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw OutOfResources(path, "out of memory");
  } catch (...) {
  }
}

// Passes the bytes through, fingerprinting them as the page ingest does
// (XXH3-128 and the length), so that an index read from stdin is recognized
// next time by its bytes; and, when its mirror gives one, checking their
// sha256 as they are read (on the reader's thread), so that the file is read
// once. The check is made when the document has been read (finished()),
// over every byte of the file, those after the JSON too. A file hashed
// already (hash_ahead.h) is only counted: its digests are those given. With
// `check_later` it is only counted too: the run checks it against the
// digests of the whole file before it commits (checked_later()), and keeps
// the fingerprint they give.
class FingerprintingSource : public ByteSource {
 public:
  // A sha256 still in its index.json.hash is read now: the index is about to be read.
  explicit FingerprintingSource(ByteSource& inner, spack_index::ExpectedDigest expected = {},
                                std::optional<HashedFile> hashed = {}, bool check_later = false)
      : inner_(inner), expected_(spack_index::read_expected(std::move(expected))), hashed_(std::move(hashed)),
        state_(XXH3_createState()), check_later_(check_later && !hashed_ && !expected_.sha256.empty()) {
    XXH3_128bits_reset(state_);
    if (!hashed_ && !expected_.sha256.empty() && !check_later_) sha_.emplace();
  }
  ~FingerprintingSource() override { XXH3_freeState(state_); }
  std::size_t read(char* buf, std::size_t n) override {
    const std::size_t got = inner_.read(buf, n);
    if (!hashed_ && !check_later_) XXH3_128bits_update(state_, buf, got);
    if (sha_) sha_->update(buf, got);
    size_ += got;
    return got;
  }
  const std::string& name() const override { return inner_.name(); }
  void finished() override {
    std::vector<char> rest(1 << 16);
    while (read(rest.data(), rest.size()) > 0) {
    }
    if (hashed_) {
      if (size_ != hashed_->size)
        throw Error(fmt::format("{}: changed while the run read it ({} bytes hashed, {} read)", inner_.name(),
                                hashed_->size, size_));
      if (!expected_.sha256.empty()) spack_index::check_sha256(inner_.name(), hashed_->sha256, expected_);
    }
    if (sha_) spack_index::check_sha256(inner_.name(), sha_->hex(), expected_);
    sha_.reset();
  }
  // Empty when checked_later(): the run's digests give it.
  std::string fingerprint() const {
    if (hashed_) return hashed_->fingerprint;
    if (check_later_) return {};
    const XXH128_hash_t h = XXH3_128bits_digest(state_);
    return format_fingerprint(h.high64, h.low64, size_);
  }
  // Read without its sha256 checked: the run checks it.
  bool checked_later() const { return check_later_; }
  const spack_index::ExpectedDigest& expected() const { return expected_; }
  std::uint64_t bytes_read() const { return size_; }

 private:
  ByteSource& inner_;
  spack_index::ExpectedDigest expected_;  // before state_: reading it may throw
  std::optional<HashedFile> hashed_;
  XXH3_state_t* state_;
  const bool check_later_;
  std::uint64_t size_ = 0;
  std::optional<spack_index::Sha256> sha_;
};

// The fingerprint of a whole file, read in fixed chunks.
std::string file_fingerprint(const std::string& path) {
  auto source = spack_index::open_source(path);
  FingerprintingSource fp(*source);
  std::vector<char> buf(1 << 20);
  while (fp.read(buf.data(), buf.size()) > 0) {
  }
  return fp.fingerprint();
}

// Why ingest and check reject an index that does not parse: where, and what.
std::string parse_rejection(const spack_index::IndexParseError& e) {
  return fmt::format("byte {}, {}: {}", e.offset(), e.path().empty() ? "$" : e.path(), e.reason());
}

FileStamp stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return cachedb::stamp_of(st);  // the one of file_source.h, not this overload
}

// An input's stamp: as its listing took it, else taken now.
FileStamp input_stamp(const IndexInput& in) { return in.stamp.size >= 0 ? in.stamp : stamp_of(in.path); }

// Stdin, or a pipe or FIFO named (`--index <(zstdcat idx.zst)`): its bytes can
// be read once, as they come. So it is never read to be fingerprinted or hashed
// before its reading, nor read ahead of a document that may fail (after a
// failure the documents read ahead are read again from their start); whether
// it is unchanged is known once it is read. (A listing's entries were found
// as files: they have a stamp.)
bool read_once(const IndexInput& in) {
  if (in.path == "-") return true;
  if (in.stamp.size >= 0) return false;
  struct stat st {};
  return ::stat(in.path.c_str(), &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode));
}

// An input that names a file found (not one read once, nor one rejected before it was read).
bool names_found_file(const IndexInput& in) { return in.error.empty() && !read_once(in); }

// A document to read (its reading starts when it is prepared), or to
// reject: rejections are reported in the order of the inputs.
struct Pending {
  const IndexInput* in = nullptr;
  std::string rejection;
  std::string label;
  std::int64_t release = 0, stack = 0;
  FileStamp stamp;
  std::string fingerprint;  // when it was taken to compare with the stored one
  // Stdin's (it has no stamp to be found unchanged by before it is read): the
  // content hash stored for its (release, stack), to compare once it is read.
  std::optional<std::string> stored_hash;
  std::optional<HashedFile> hashed;  // its digests, when it was hashed ahead of its reading
  std::unique_ptr<ByteSource> raw;
  std::unique_ptr<FingerprintingSource> source;
  std::unique_ptr<BackgroundRead> read;
  bool check_later = false;  // its sha256 checked by the run at its end (check_read_indexes)

  // (Again) from the start of the file. The reader goes first: it reads from the sources.
  void start(PipelineState& state) {
    stop();
    raw = spack_index::open_source(in->path);
    source = std::make_unique<FingerprintingSource>(*raw, in->expected, hashed, check_later);
    read = std::make_unique<BackgroundRead>(*source, state);
  }
  // Its reading stopped (the pipeline forgets what it was told, unless it
  // was never started).
  void stop() {
    read.reset();
    source.reset();
    raw.reset();
  }
  // Read again, after a failure of a document before it: a file that
  // cannot be opened any more is rejected.
  void restart(PipelineState& state) {
    if (!rejection.empty()) return;
    try {
      start(state);
    } catch (const std::exception& e) {
      rethrow_if_out_of_resources(in->path);
      rejection = e.what();
    }
  }
};

}  // namespace

// The state first: the reading stops before it goes.
struct IndexHeadStart::Impl {
  PipelineState state;
  Pending first;
  bool taken = false;
};

namespace {

class IndexRun {
 public:
  // `head`: a reading of the inputs' first begun before the database was opened.
  IndexRun(SQLite::Database& db, const IndexIngestOptions& options, IndexHeadStart::Impl* head = nullptr)
      : db_(db), options_(options), unused_names_(db), writer_(db, head ? &head->state : nullptr), head_(head) {}

  // Every input, in order. The next documents are read (each on its own
  // thread) while this one is written: once a release's first index has
  // stored its specs, the others are mostly hashes met before, and reading
  // them is the slower side; and a small index read ahead is done long
  // before a large one being written, so more than one is read ahead.
  void inputs(const std::vector<IndexInput>& all) {
    std::deque<std::unique_ptr<Pending>> ahead;  // prepared, in input order
    std::size_t at = 0;
    // Prepares inputs while fewer than kReadAhead are, `writing` being
    // written meanwhile (null: none). Never one of the same (release, stack)
    // as one prepared or being written: what that one stores decides whether
    // this one is unchanged. Nor stdin or a pipe ahead of anything: after a
    // failure a document read ahead is read again from its start, and neither
    // can be (read_once()).
    auto prepare_more = [&](const Pending* writing) {
      while (ahead.size() < kReadAhead && at < all.size()) {
        const IndexInput& in = all[at];
        if (read_once(in) && (writing || !ahead.empty())) return;
        if (writing && same_label(*writing->in, in)) return;
        for (const auto& p : ahead)
          if (same_label(*p->in, in)) return;
        if (auto p = prepare(all[at++])) ahead.push_back(std::move(p));
      }
    };
    all_ = all.data();
    if (bulk_ && options_.hash_ahead != IndexIngestOptions::HashAhead::off) hash_ahead(all);
    // A reading begun before the database was opened is taken over only where
    // the run checks every index read unhashed (hash_ahead_), as that one was;
    // else it is stopped before any other begins, so that none relies on what
    // it was told.
    if (head_ && !(hash_ahead_ && !head_->taken && head_->first.in == all.data() && head_->first.read)) {
      head_->first.stop();
      head_ = nullptr;
    }
    // Where each release's inputs end: once its last is written, its rows
    // can be derived while the next ones are read.
    std::unordered_map<std::string_view, std::size_t> last_of_release;
    for (std::size_t i = 0; i < all.size(); ++i) last_of_release[all[i].release] = i;
    prepare_more(nullptr);
    if (bulk_) warm_writer_heap(all);
    while (!ahead.empty()) {
      std::unique_ptr<Pending> now = std::move(ahead.front());
      ahead.pop_front();
      // A document before this one failed, and what the readers were told of
      // the hashes it held was forgotten: this one and those read after it
      // are read again. All are stopped first (each reader dropped unread
      // makes the pipeline forget), then started in order (documents are
      // trusted in the order they start).
      if (now->read && now->read->generation() != writer_.pipeline().generation()) {
        now->stop();
        for (auto& p : ahead) p->stop();
        now->restart(writer_.pipeline());
        for (auto& p : ahead) p->restart(writer_.pipeline());
      }
      prepare_more(now.get());
      write(*now);
      if (now->release && last_of_release[now->in->release] == static_cast<std::size_t>(now->in - all.data()))
        writer_.release_complete(now->release);
      now.reset();
      prepare_more(nullptr);
    }
    if (hash_ahead_) {
      spdlog::info("{} of {} indexes hashed before their reading, the others checked at the end of the run",
                   hashed_ahead_, all.size());
      hash_ahead_->resume();
    }
  }

  // The indexes read without their sha256 checked, each against the digests
  // of the whole file, hashed as it was read (the same stamp and length).
  // The hashing thread went on with the files left when the reading ended,
  // beside the writer's last work (the release rows, the indexes); what it
  // has not begun is hashed now on this thread too. Throws ReadAgain when one
  // differs: the run then rolls back and reads every index again, each
  // checked as it is read, so that the one that differs is rejected as such.
  void check_read_indexes() {
    if (!hash_ahead_) return;
    const auto digests = hash_ahead_->finish();
    if (hash_ahead_->taken_over())
      spdlog::debug("the hashing thread (on idle cores only) stalled on a file, the machine being busy: "
                    "it was hashed again here");
    hash_ahead_.reset();
    for (const auto& c : to_check_) {
      const auto& h = digests[c.input];
      if (!h || !(h->stamp == c.stamp) || h->size != c.bytes)
        throw ReadAgain(fmt::format("{}: changed while the run read it", c.path));
      try {
        spack_index::check_sha256(c.path, h->sha256, c.expected);
      } catch (const Error& e) {
        throw ReadAgain(e.what());
      }
      writer_.set_content_hash(c.source_id, h->fingerprint);
    }
    to_check_.clear();
  }

  // Into an empty database, the secondary indexes are built once at the end.
  void begin_bulk_load() {
    bulk_ = writer_.begin_bulk_load();
    if (bulk_) spdlog::debug("empty database: indexes are built after loading");
  }

  // --prune: what the inputs (a listing) no longer name goes, unless one of
  // them was rejected (its stack may have been dropped from the listing or
  // only be unreadable tonight) and the user did not --force it.
  void prune(const std::vector<IndexInput>& all) {
    if (!options_.prune) return;
    if (summary_.pages_rejected && !options_.force) {
      summary_.prune_refused = true;
      spdlog::error("not pruning: {} index(es) were rejected, so the listing is not whole tonight (use --force to "
                    "prune anyway)",
                    summary_.pages_rejected);
      return;
    }
    std::set<std::pair<std::string, std::string>> named;
    for (const auto& in : all) named.emplace(in.release, in.stack);
    for (const auto& label : writer_.remove_unnamed(named)) {
      spdlog::info("{}: pruned, the listing no longer names it", label);
      ++summary_.indexes_pruned;
      ++summary_.pages_removed;
    }
  }

  // Derives the release rows of everything the run read, once.
  void finish() {
    const auto totals = writer_.finish();
    if (totals.releases_derived_early)
      spdlog::debug("{} releases' rows derived while the next indexes were read", totals.releases_derived_early);
    writer_.finish_bulk_load();
    summary_.specs_added += totals.specs_added;
    summary_.specs_removed += totals.specs_removed;
    summary_.findings.insert(summary_.findings.end(), totals.findings.begin(), totals.findings.end());
    // While the hashing thread, if any, checks the indexes read ahead (check_read_indexes()).
    unused_names_.delete_if_changed();
  }

  IngestSummary& summary() { return summary_; }

 private:
  static bool same_label(const IndexInput& a, const IndexInput& b) {
    return a.release == b.release && a.stack == b.stack;
  }

  // What an input needs: nothing (unchanged), a rejection, or reading.
  std::unique_ptr<Pending> prepare(const IndexInput& in) {
    auto p = std::make_unique<Pending>();
    p->in = &in;
    std::optional<HashedFile> hashed;
    if (hash_ahead_) hashed = hash_ahead_->take(static_cast<std::size_t>(&in - all_));
    if (!in.error.empty()) {
      p->rejection = in.error;
      return p;
    }
    p->label = fmt::format("{} ({}/{})", in.path, in.release, in.stack);
    // The head start's reading of this input: taken over below, else stopped
    // before the next input is prepared.
    Pending* begun = head_ && head_->first.in == &in ? &head_->first : nullptr;
    struct StopUnlessTaken {
      Pending* p;
      ~StopUnlessTaken() {
        if (p) p->stop();
      }
    } stop_unless_taken{begun};
    try {
      p->release = writer_.release_id(in.release);
      p->stack = writer_.stack_id(in.stack);
      if (auto refused = make_room(in, p->release); !refused.empty()) {
        p->rejection = std::move(refused);
        return p;
      }
      const bool once = read_once(in);
      p->stamp = begun ? begun->stamp : once ? FileStamp{} : input_stamp(in);
      const auto stored = writer_.stored(p->release, p->stack);
      if (stored && once) p->stored_hash = stored->content_hash;
      if (stored && !once) {
        // Unchanged: the same file untouched, or the same bytes. Nothing is parsed.
        if (stored->path == storable_text(in.path) && p->stamp.size >= 0 && stored->stamp == p->stamp) {
          ++summary_.pages_unchanged;
          return nullptr;
        }
        p->fingerprint = file_fingerprint(in.path);
        if (p->fingerprint == stored->content_hash) {
          writer_.restamp(stored->id, storable_text(in.path), p->stamp);
          ++summary_.pages_unchanged;
          return nullptr;
        }
      }
      // Read, and checked against its mirror's sha256 as it is (an unchanged
      // file was, when it was stored); or hashed already, and still as it was then.
      if (hashed && p->stamp.size >= 0 && hashed->stamp == p->stamp) {
        p->hashed = std::move(hashed);
        ++hashed_ahead_;
      }
      if (begun) {
        // Begun unhashed, and checked at the end of the run as any index read before it was hashed.
        p->check_later = begun->check_later;
        p->raw = std::move(begun->raw);
        p->source = std::move(begun->source);
        p->read = std::move(begun->read);
        stop_unless_taken.p = nullptr;
        head_->taken = true;
        head_ = nullptr;
        spdlog::debug("{}: its reading, begun before the database was opened, taken over", in.path);
        return p;
      }
      p->check_later = hash_ahead_ && !once;
      p->start(writer_.pipeline());
      return p;
    } catch (const SQLite::Exception&) {
      throw;  // the database's fault, not the index's: the run is rolled back
    } catch (const std::exception& e) {
      rethrow_if_out_of_resources(in.path);
      p->rejection = e.what();
      return p;
    }
  }

  void write(Pending& p) {
    const IndexInput& in = *p.in;
    if (!p.rejection.empty()) return reject(in.path, p.rejection);
    try {
      const IndexWriteResult r =
          writer_.write(*p.read, *p.source, p.release, p.stack, storable_text(in.path), p.fingerprint, p.stamp, now_);
      if (p.source->checked_later())
        to_check_.push_back({static_cast<std::size_t>(&in - all_), r.source_id, p.stamp, p.source->bytes_read(),
                             p.source->expected(), in.path});
      else
        writer_.set_content_hash(r.source_id, p.source->fingerprint());
      if (r.status == IndexStatus::Added) ++summary_.pages_added;
      else if (p.stored_hash && !p.source->checked_later() && *p.stored_hash == p.source->fingerprint())
        ++summary_.pages_unchanged;
      else ++summary_.pages_updated;
      spdlog::info("{}: {} records", p.label, r.records);
      spdlog::debug("{}: {} of them with a spec read before, byte for byte, not read again", p.label,
                    r.specs_checked_before);
      note_index_conflicts(in.path, in.release, r.page_conflicts, summary_.findings);
    } catch (const SQLite::Exception&) {
      throw;  // the database's fault, not the index's: the run is rolled back
    } catch (const spack_index::IndexParseError& e) {
      reject(in.path, parse_rejection(e));
    } catch (const std::exception& e) {
      rethrow_if_out_of_resources(in.path);
      reject(in.path, e.what());
    }
  }

  // One release, one kind of source: the pages of the release go first when
  // asked, else the index is refused (the reason is returned).
  std::string make_room(const IndexInput& in, std::int64_t release) {
    if (without_pages_.contains(release)) return {};
    if (!release_holds(db_, kPageKind, release)) {
      without_pages_.insert(release);
      return {};
    }
    if (!options_.replace_release_kind) {
      return fmt::format("release {} holds cache pages, and its stack {} comes from a build-cache index: "
                         "one release is read from one kind of source (--replace-release-kind replaces "
                         "its pages with indexes)",
                         in.release, in.stack);
    }
    PageWriter pages(db_);
    std::vector<std::int64_t> ids;
    each_source_of_release(db_, kPageKind, release, [&](std::int64_t id, std::string_view) { ids.push_back(id); });
    for (auto id : ids) {
      summary_.specs_removed += pages.remove(id);
      ++summary_.pages_removed;
    }
    spdlog::warn("release {}: {} cache pages replaced by build-cache indexes", in.release, ids.size());
    without_pages_.insert(release);
    return {};
  }

  void reject(const std::string& path, const std::string& message) {
    ++summary_.pages_rejected;
    summary_.rejections.push_back(rejection_of(path, message));
    log_rejection(summary_.rejections.back());
  }

  // A load into an empty database grows the writer's heap (SQLite's sorter,
  // the run's bookkeeping) to some MiB: those pages are mapped in one call
  // while the readers begin, rather than faulted in one at a time by the
  // writer (util/warm_heap.h). A small load is not made to hold more than an
  // eighth of what it reads. 4 MiB since the page cache has memory of its own
  // (storage/page_cache.h, reserved by `cachedb ingest`): 100 MB of indexes
  // as fast with 8, 4 or 2 MiB (292.6, 292.2, 292.7 ms), peak RSS 32.8, 28.8
  // and 26.9 MB; with 2 MiB, 1 GB peaked at 1.09 times 100 MB's RSS, with 4
  // at 1.04 (flat is within 1.10).
  static void warm_writer_heap(const std::vector<IndexInput>& all) {
    constexpr std::size_t kWriterHeap = std::size_t{4} << 20;
    std::uint64_t bytes = 0;
    for (const auto& in : all) {
      if (!names_found_file(in)) continue;
      // An input its listing did not stamp is stamped here; one that cannot be counts nothing.
      const FileStamp stamp = input_stamp(in);
      if (stamp.size > 0) bytes += static_cast<std::uint64_t>(stamp.size);
    }
    warm_heap(static_cast<std::size_t>(std::min<std::uint64_t>(kWriterHeap, bytes / 8)));
  }

  // Into an empty database every input is read: every file is hashed on a
  // thread of its own (hash_ahead.h), the readers given the digests of those
  // hashed already, the others checked at the end (check_read_indexes).
  void hash_ahead(const std::vector<IndexInput>& all) {
    std::vector<HashAhead::File> files;
    files.reserve(all.size());
    for (const auto& in : all) {
      const bool readable = names_found_file(in);
      files.push_back(
          {readable ? in.path : std::string(), !in.expected.sha256.empty() || in.expected.in_file, in.stamp.size});
    }
    if (options_.hash_ahead == IndexIngestOptions::HashAhead::before_reading) {
      hash_ahead_ = std::make_unique<HashAhead>(std::move(files), HashAhead::Start::all_now);
      hash_ahead_->wait();
    } else {
      hash_ahead_ = std::make_unique<HashAhead>(std::move(files));
    }
  }

  SQLite::Database& db_;
  const IndexIngestOptions& options_;
  UnusedNames unused_names_;  // before the writer: what it writes counts as the run's
  IndexWriter writer_;
  // The head start, until its reading is taken over; null when there is none
  // or it was stopped at the start of inputs().
  IndexHeadStart::Impl* head_;
  bool bulk_ = false;
  const IndexInput* all_ = nullptr;  // the inputs of inputs()
  std::unique_ptr<HashAhead> hash_ahead_;
  std::size_t hashed_ahead_ = 0;
  // What the readers read without checking its sha256 (hashed by hash_ahead_
  // only later), for check_read_indexes().
  struct ToCheck {
    std::size_t input;  // its place in the run
    std::int64_t source_id;  // its row, to be given its fingerprint
    FileStamp stamp;
    std::uint64_t bytes;
    spack_index::ExpectedDigest expected;
    std::string path;
  };
  std::vector<ToCheck> to_check_;
  IngestSummary summary_;
  // Releases known to hold no pages: an index run adds none, so each release
  // is looked up once, not once for each of its stacks.
  std::unordered_set<std::int64_t> without_pages_;
  const std::string now_ = utc_timestamp();
  // Documents prepared (being read, or rejected) ahead of the one being
  // written. A release's root index takes ten times as long to read as one
  // of its stacks: with one document read ahead, the second core idled for
  // most of it. 1 GB of indexes: 1 ahead 4.10 s, 2: 4.04 s, 4: 3.78 s, 6:
  // 3.81 s (medians, alternated), each costing ~0.6 MB of batches (kMaxBatches).
  static constexpr std::size_t kReadAhead = 4;
};

std::vector<fs::path> input_paths(const std::vector<IndexInput>& inputs) {
  std::vector<fs::path> out;
  for (const auto& in : inputs) out.emplace_back(fmt::format("{} ({}/{})", in.path, in.release, in.stack));
  return out;
}

IngestSummary ingest_logged(SQLite::Database& db, const std::vector<IndexInput>& inputs,
                            const IndexIngestOptions& options, RunLog& log, IndexHeadStart::Impl* head) {
  // The writer's scratch tables (temp.index_touched grows with the run) in a
  // temporary file behind a small cache, not in memory: memory stays flat.
  // (SQLite takes the setting only outside a transaction.)
  PragmaScope temp_store(db, "temp_store", "FILE");
  // Half the page cache a page ingest has (kIndexRunCacheKiB).
  PragmaScope cache(db, "cache_size", fmt::format("-{}", kIndexRunCacheKiB));
  return in_write_transaction(db, [&] {
    IndexRun run(db, options, head);
    run.begin_bulk_load();
    run.inputs(inputs);
    run.prune(inputs);
    run.finish();
    run.check_read_indexes();
    run.summary().run_id = log.id();
    log.finish(run.summary());
    return std::move(run.summary());
  });
}

// Counts records, storing nothing.
struct CountingHandler : spack_index::IndexHandler {
  std::uint64_t records = 0;
  // Checking needs no description: every check runs on a record all the same.
  bool wants_description(std::string_view) override { return false; }
  void record(const spack_index::IndexRecord&) override { ++records; }
  void document_done(const spack_index::DocumentSummary&) override {}
};

}  // namespace

IndexHeadStart::IndexHeadStart() = default;

IndexHeadStart::IndexHeadStart(const std::vector<IndexInput>& inputs, const fs::path& database) {
  if (inputs.empty() || database.empty() || database == ":memory:") return;
  const IndexInput& in = inputs.front();
  if (!names_found_file(in)) return;
  struct stat st {};
  if (::stat(database.c_str(), &st) == 0 ? st.st_size > 0 : errno != ENOENT) return;
  auto impl = std::make_unique<Impl>();
  impl->first.in = &in;
  impl->first.stamp = input_stamp(in);
  impl->first.check_later = true;
  try {
    impl->first.start(impl->state);
  } catch (const std::exception& e) {
    spdlog::debug("{}: not read ahead of the database: {}", in.path, e.what());
    return;
  }
  impl_ = std::move(impl);
}

IndexHeadStart::~IndexHeadStart() = default;

bool IndexHeadStart::begun() const { return impl_ != nullptr; }
bool IndexHeadStart::taken() const { return impl_ && impl_->taken; }

IndexInput mirror_input(const fs::path& mirror, const std::string& release, const std::string& stack) {
  IndexInput in{mirror.string(), release, stack, {}, {}, {}};
  try {
    auto found = spack_index::resolve_mirror_index(mirror, spack_index::Verify::later);
    in.path = found.path.string();
    in.expected = std::move(found.expected);
  } catch (const OutOfResources&) {
    throw;
  } catch (const Error& e) {
    in.error = e.what();
  }
  return in;
}

namespace {

// A (release, stack) named twice is one index: the last input is read (as a
// later word replaces an earlier one), and `dropped` is told of each earlier
// one. (An input without a label, rejected as it was listed, stands alone.)
// Nothing when each is named once, the usual case.
std::optional<std::vector<IndexInput>> last_of_each_label(
    const std::vector<IndexInput>& inputs,
    const std::function<void(const IndexInput& dropped, const IndexInput& read)>& dropped) {
  std::map<std::pair<std::string_view, std::string_view>, std::size_t> last;
  std::size_t labelled = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (!inputs[i].stack.empty()) last[{inputs[i].release, inputs[i].stack}] = i, ++labelled;
  if (last.size() == labelled) return std::nullopt;
  std::vector<IndexInput> kept;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::size_t at = inputs[i].stack.empty() ? i : last.at({inputs[i].release, inputs[i].stack});
    if (at != i) {
      dropped(inputs[i], inputs[at]);
      continue;
    }
    kept.push_back(inputs[i]);
  }
  return kept;
}

}  // namespace

std::vector<IndexInput> listing_inputs(const fs::path& listing, const fs::path& mirror_root) {
  std::vector<IndexInput> out;
  for (auto& entry : spack_index::resolve_listing(listing, mirror_root, spack_index::BlobCheck::exists)) {
    // Named by its file; else by its URL; else (an entry with neither) by the
    // listing, whose error then says where in it.
    const std::string name = !entry.path.empty() ? entry.path.string() : !entry.url.empty() ? entry.url : listing.string();
    IndexInput in{name, entry.release, entry.stack, entry.error,
                  FileStamp{entry.size, entry.mtime_ns}, std::move(entry.expected)};
    out.push_back(std::move(in));
  }
  // (A last entry that is bad is rejected, and the earlier ones are not read in its place.)
  auto kept = last_of_each_label(out, [&](const IndexInput& dropped, const IndexInput& read) {
    spdlog::warn("{}: release {} lists stack {} more than once: {} is not read, {} is", listing.string(),
                 dropped.release, dropped.stack, dropped.path, read.path);
  });
  if (kept) return std::move(*kept);
  return out;
}

IngestSummary ingest_indexes(SQLite::Database& db, const std::vector<IndexInput>& given,
                             const IndexIngestOptions& options, IndexHeadStart* head_start) {
  // As a listing is (listing_inputs()); the command line names each (release, stack) once.
  const auto deduplicated = last_of_each_label(given, [](const IndexInput& dropped, const IndexInput& read) {
    spdlog::warn("{}: release {} stack {} is named again later in this run: {} is read instead", dropped.path,
                 dropped.release, dropped.stack, read.path);
  });
  const std::vector<IndexInput>& inputs = deduplicated ? *deduplicated : given;
  IngestOptions logged;  // what ingest_runs records of the run's options
  logged.prune = options.prune;
  logged.force = options.force;
  RunLog log(db, input_paths(inputs), logged);
  try {
    try {
      return ingest_logged(db, inputs, options, log, head_start ? head_start->impl() : nullptr);
    } catch (const ReadAgain& e) {
      spdlog::info("{}: the run is rolled back and read again, each index checked as it is read", e.what());
      if (options.on_read_again) options.on_read_again(e.what());
      IndexIngestOptions checking = options;
      checking.hash_ahead = IndexIngestOptions::HashAhead::off;
      return ingest_logged(db, inputs, checking, log, nullptr);
    }
  } catch (const std::exception& e) {
    log.fail(e.what());
    throw;
  }
}

void log_unlisted_run(SQLite::Database& db, const std::filesystem::path& given, const IndexIngestOptions& options,
                      const std::string& message) {
  IngestOptions logged;
  logged.prune = options.prune;
  logged.force = options.force;
  RunLog log(db, {given}, logged);
  log.fail(message);
}

std::string index_summary_line(const IngestSummary& s) {
  std::string line = fmt::format("ingest run {}: indexes {} added, {} updated, {} unchanged, {} rejected; specs {} added, "
                                 "{} removed",
                                 s.run_id, s.pages_added, s.pages_updated, s.pages_unchanged, s.pages_rejected,
                                 s.specs_added, s.specs_removed);
  line += findings_clause(s);
  if (s.indexes_pruned) line += fmt::format("; {} indexes pruned", s.indexes_pruned);
  if (s.pages_removed > s.indexes_pruned)
    line += fmt::format("; {} pages replaced", s.pages_removed - s.indexes_pruned);
  if (s.prune_refused) line += "; prune refused";
  return line;
}

namespace {

// What checking one index found: its records, or why ingest would reject it.
struct Checked {
  std::uint64_t records = 0;
  std::string rejection;
};

Checked check_index(const IndexInput& in, spack_index::CheckedSpecs& checked) {
  if (!in.error.empty()) return {0, in.error};
  try {
    CountingHandler count;
    auto raw = spack_index::open_source(in.path);
    FingerprintingSource source(*raw, in.expected);
    spack_index::read_index(source, count, &checked);
    source.finished();
    return {count.records, {}};
  } catch (const spack_index::IndexParseError& e) {
    return {0, parse_rejection(e)};
  } catch (const std::exception& e) {
    rethrow_if_out_of_resources(in.path);
    return {0, e.what()};
  }
}

}  // namespace

IngestSummary check_indexes(const std::vector<IndexInput>& inputs, unsigned threads) {
  // Every index is read whole by one thread, as many at once as there are
  // threads (the calling one too): nothing is written, so nothing orders them,
  // and a mirror operator checking a tree waits for its largest index rather
  // than for the sum. What was found is told in the inputs' order.
  struct NoContext {};
  using Pool = JobPool<std::size_t, Checked, NoContext>;
  if (threads == 0) threads = usable_cpu_count();
  const auto workers = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(inputs.size(), 1)) - 1);
  // One table of specs checked for all the threads: a tree's indexes repeat one another.
  spack_index::CheckedSpecs checked;
  Pool pool(workers, [] { return NoContext{}; },
            [&](std::size_t& i, NoContext&) { return check_index(inputs[i], checked); });
  std::vector<std::shared_ptr<Pool::Job>> jobs;
  jobs.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) jobs.push_back(pool.submit(i));
  IngestSummary summary;
  NoContext own;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Checked c = pool.take(jobs[i], own);
    if (c.rejection.empty()) {
      ++summary.pages_added;
      summary.specs_added += static_cast<std::int64_t>(c.records);
      continue;
    }
    ++summary.pages_rejected;
    summary.rejections.push_back(rejection_of(inputs[i].path, c.rejection));
    log_rejection(summary.rejections.back());
  }
  return summary;
}

}  // namespace cachedb
