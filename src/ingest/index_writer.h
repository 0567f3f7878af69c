#pragma once
// Writes Spack build-cache indexes into the database, one (release, stack)
// document at a time, as the reader parses it: a spec row per record (its
// hash is new), its dependency edges once per spec, and what the index lists
// (index_listing). When the document ends, its specs get their compiler when
// it was a node later in the index. When the run ends (finish()), the
// releases the documents belong to get their rows derived again from every
// index of the release (a spec is a binary of the release when one of them
// lists it in the build cache, its stacks their labels), and only the rows
// that differ are written. The caller owns the
// transaction; each document is a savepoint of it.
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "formats/finding.h"
#include "formats/spack_index/byte_stream.h"
#include "ingest/index_pipeline.h"
#include "ingest/known_page.h"
#include "ingest/spec_conflict.h"

namespace cachedb {

enum class IndexStatus { Added, Updated, Unchanged };

struct IndexWriteResult {
  IndexStatus status = IndexStatus::Unchanged;
  std::int64_t source_id = 0;
  std::uint64_t records = 0;
  // Of them, records whose spec the reader passed over as one checked before.
  std::uint64_t specs_checked_before = 0;
  // Hashes a cache page described otherwise, which this index now describes.
  std::vector<IndexConflict> page_conflicts;
};

// An index stored before: its source row.
struct StoredIndex {
  std::int64_t id = 0;
  std::string content_hash, path;
  FileStamp stamp;
};

class IndexWriter {
 public:
  // `pipeline`: the state of readers begun before the writer was made (it
  // must outlive the writer); null: the writer's own.
  explicit IndexWriter(SQLite::Database& db, PipelineState* pipeline = nullptr);
  ~IndexWriter();
  IndexWriter(const IndexWriter&) = delete;
  IndexWriter& operator=(const IndexWriter&) = delete;

  std::int64_t release_id(std::string_view release);
  std::int64_t stack_id(std::string_view stack);

  // The index stored for (release, stack), if any.
  std::optional<StoredIndex> stored(std::int64_t release_id, std::int64_t stack_id);
  // Sets the content hash of a source written before its bytes were all read (stdin).
  void set_content_hash(std::int64_t source_id, std::string_view content_hash);
  // Records where an unchanged index's file now is.
  void restamp(std::int64_t source_id, std::string_view path, const FileStamp& stamp);

  // Reads one index from `source` into the database, replacing what that
  // (release, stack) said before. Throws spack_index::IndexParseError (or
  // Error: `source.finished()` is called before the index is kept) for a bad
  // index, after rolling back everything of it.
  IndexWriteResult write(spack_index::ByteSource& source, std::int64_t release_id, std::int64_t stack_id,
                         std::string_view path, std::string_view content_hash, const FileStamp& stamp,
                         std::string_view now);
  // The same, for a document whose reading `read` started (BackgroundRead
  // over `source`, with pipeline() as its state): so that the next document
  // can be read while this one is written.
  IndexWriteResult write(BackgroundRead& read, spack_index::ByteSource& source, std::int64_t release_id,
                         std::int64_t stack_id, std::string_view path, std::string_view content_hash,
                         const FileStamp& stamp, std::string_view now);
  // What the documents' readers are told of the hashes written described.
  PipelineState& pipeline();

  // For a run into an empty database: its secondary indexes are dropped, and
  // built again by finish_bulk_load() once every document is written and
  // finish() has derived the release rows (storage/bulk_load.h). Returns
  // whether the database was empty.
  bool begin_bulk_load();
  void finish_bulk_load();

  // Says that every index of a release this run reads is written (or
  // rejected): in a bulk load its rows are derived from then on, while the
  // next documents are read, instead of in finish().
  void release_complete(std::int64_t release_id);

  // Derives the release rows of the releases the documents written since the
  // last call belong to; call before the transaction commits. Returns the
  // (release, spec) pairs gained and lost.
  struct Totals {
    std::int64_t specs_added = 0, specs_removed = 0;
    std::int64_t releases_derived_early = 0;  // while the next documents were read (release_complete())
    // Pages naming another compiler than the node come since names (settle_dependency_compilers()).
    std::vector<Finding> findings;
  };
  Totals finish();

  // Removes every index of a release (and derives what it touched), and what only they kept; returns the
  // (release, spec) pairs removed. What settling compilers found (Totals::findings) goes to `findings`.
  std::int64_t remove_release(std::int64_t release_id, std::vector<Finding>& findings);

  // The indexes stored whose (release, stack) is not in `named` (a listing's
  // pairs) are removed, with what only they kept; their releases are derived
  // again by the next finish(). Returns each one removed, as "release/stack".
  std::vector<std::string> remove_unnamed(const std::set<std::pair<std::string, std::string>>& named);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cachedb
