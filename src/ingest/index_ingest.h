#pragma once
// `cachedb ingest --index/--mirror/--listing`: reads Spack build-cache
// indexes, each labelled with its release and stack, into the database.
//
// One run is one write transaction; each index is a savepoint in it, so a bad
// index is rejected (naming the file, the byte offset and the JSON path) and
// rolled back while the others land. An index whose file is unchanged since
// it was stored (same path, size and time, or the same bytes) is not parsed.
// One release comes from one kind of source: indexes are not written into a
// release that holds pages, unless the pages are to be replaced.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "formats/spack_index/sha256.h"
#include "ingest/ingester.h"
#include "ingest/known_page.h"

namespace cachedb {

struct IndexInput {
  std::string path;  // the index file, or "-" for stdin
  std::string release, stack;
  std::string error;  // why the input cannot be read (a listing entry naming a missing file...); empty when fine
  // The file's stamp, when resolving the input took it (a listing's entries);
  // else the run takes it just before reading the file.
  FileStamp stamp;
  // The sha256 its mirror gives it (none for stdin or a plain file): checked
  // when the file is read, not when it is found unchanged since it was stored.
  spack_index::ExpectedDigest expected;
};

// The page cache of an index run (KiB). An index writer appends to the ends
// of its tables and looks hashes up in one index: with 4 MiB a 100 MB tree
// fills the cache as a 1 GB one does, so the memory of a run does not depend
// on the size of what it reads (8 MiB: 21 and 27 MB of peak RSS, 4 MiB: 20.5
// and 22.7 MB; no difference in time measured).
constexpr int kIndexRunCacheKiB = 4096;

struct IndexIngestOptions {
  // Replace the pages of a release the indexes are for, instead of refusing.
  bool replace_release_kind = false;
  // --prune with a listing: remove the indexes stored whose (release, stack)
  // the inputs do not name (the site dropped a stack, a snapshot aged out);
  // not when an input was rejected, unless `force`.
  bool prune = false, force = false;
  // Into an empty database, the files are hashed on a thread of their own,
  // half of them on idle cores while the indexes are read, the rest after,
  // and a file read before it was hashed is checked at the end of the run
  // (ingest/hash_ahead.h): `idle`. `before_reading` hashes them all first, at
  // normal priority (tests: every file is checked as it is read); `off`
  // leaves each to its reader, as in a database that holds indexes already.
  enum class HashAhead { idle, before_reading, off } hash_ahead = HashAhead::idle;
  // Told why, when a run is rolled back and read again because an index read
  // before it was hashed differs from its sha256 (tests).
  std::function<void(const std::string&)> on_read_again;
};

// The index of a mirror directory (layout v2 or v3, with the checksum it is
// read against), labelled (release, stack); a mirror whose index cannot be
// resolved gives an input carrying the error.
IndexInput mirror_input(const std::filesystem::path& mirror, const std::string& release, const std::string& stack);

// Every (release, stack) of the site's listing, resolved against a local copy
// of the bucket. Throws Error when the listing itself cannot be read.
std::vector<IndexInput> listing_inputs(const std::filesystem::path& listing, const std::filesystem::path& mirror_root);

// The first index of a run into a database that does not exist yet, read
// while the database is made. Into a new database every index is read, and
// making it (its schema, the run's log, the writer's statements, the switch
// to a rollback journal) took ~10 ms of a 0.33 s run of 100 MB of indexes
// before the first reader began, with the second core idle. ingest_indexes
// takes the reading over, or stops it when it cannot use it (the database
// held documents after all: another program made it meanwhile).
class IndexHeadStart {
 public:
  IndexHeadStart();  // nothing begun
  // Begins reading inputs[0] when `database` names a file that does not exist
  // or is empty, and inputs[0] is a file that was found (not stdin). `inputs`
  // must outlive this object, and be the vector given to ingest_indexes. What
  // cannot be begun is left to the run, which meets the same failure itself.
  IndexHeadStart(const std::vector<IndexInput>& inputs, const std::filesystem::path& database);
  ~IndexHeadStart();  // stops a reading not taken over
  IndexHeadStart(const IndexHeadStart&) = delete;
  IndexHeadStart& operator=(const IndexHeadStart&) = delete;

  bool begun() const;
  // Whether a run took the reading over.
  bool taken() const;

  struct Impl;
  Impl* impl() const { return impl_.get(); }

 private:
  std::unique_ptr<Impl> impl_;
};

// Stores the indexes; records the run in ingest_runs. Document counts go to
// the pages_* counts. Throws Error (nothing committed) on a fatal failure.
// A (release, stack) named more than once is read from its last input.
// `head_start`: a reading begun before the database was opened, for these inputs.
IngestSummary ingest_indexes(SQLite::Database& db, const std::vector<IndexInput>& inputs,
                             const IndexIngestOptions& options, IndexHeadStart* head_start = nullptr);

// A run whose indexes could not even be listed (a listing or a mirror that
// cannot be read, a mirror root that is not there): recorded in ingest_runs
// as failed with `message`, as a run that fails later is, so that `cachedb
// runs` shows the night it happened. `given`: the listing or mirror named.
void log_unlisted_run(SQLite::Database& db, const std::filesystem::path& given, const IndexIngestOptions& options,
                      const std::string& message);

// The one line an operator reads at the end of an index run ("pages" are
// the indexes, and "removed" the pages a --replace-release-kind replaced).
std::string index_summary_line(const IngestSummary& summary);

// Reads the indexes without storing anything (`cachedb check`): the same
// rejections, logged in the inputs' order; counts in pages_added (indexes
// read) and specs_added (records). Up to `threads` indexes are read at once
// (0: one per CPU the process may use).
IngestSummary check_indexes(const std::vector<IndexInput>& inputs, unsigned threads);

}  // namespace cachedb
