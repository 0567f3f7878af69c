#include "storage/sources.h"

#include <fmt/format.h>

#include "error.h"
#include "storage/database.h"
#include "storage/embedded_sql.h"

namespace cachedb {
namespace {

std::optional<StoredSource> first(Statement::Use&& use) {
  if (!use.next()) return std::nullopt;
  return StoredSource{use.int64(0), use.int64(1), use.int64(2)};
}

}  // namespace

SourceLookup::SourceLookup(SQLite::Database& db, std::string_view kind)
    : kind_(kind),
      by_stamp_(db, required_sql("storage/source_by_stamp.sql")),
      by_content_(db, required_sql("storage/source_by_content.sql")) {}

std::optional<StoredSource> SourceLookup::by_stamp(std::string_view path, std::int64_t size, std::int64_t mtime_ns) {
  return first(by_stamp_(path, size, mtime_ns, kind_));
}

std::optional<StoredSource> SourceLookup::by_content(std::string_view fingerprint) {
  return first(by_content_(fingerprint, kind_));
}

SourceLookupReader::SourceLookupReader(const std::string& db_path, std::string_view kind)
    : db_(db_path, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX, kBusyTimeoutMs), lookup_(prepared(db_), kind) {}

SQLite::Database& SourceLookupReader::prepared(SQLite::Database& db) {
  // The lookups by path move through source_by_path mostly in the walk's
  // order and touch few pages at a time: a small page cache holds them, where
  // SQLite's default (2 MiB a connection) would add up on a host with dozens
  // of loading threads.
  exec(db, "PRAGMA cache_size = -512");
  // One read transaction for all the lookups, not one each: each would take
  // and drop the file's shared lock and a WAL read lock (mutexes shared by
  // every loading thread), 4% of an unchanged 1M re-ingest's CPU. It sees
  // what a lookup on its own would: the loaders live inside the writer's
  // transaction (BEGIN IMMEDIATE), so nothing commits while they read, and
  // it ends with them, before the writer commits. Only in WAL mode, which
  // open_database() sets: with a rollback journal a reader's lasting shared
  // lock would keep the writer from spilling its cache to the file. (Not a
  // Transaction: a read transaction has nothing to roll back, and it ends
  // when the connection closes.)
  if (db.execAndGet("PRAGMA journal_mode").getString() == "wal") exec(db, "BEGIN");
  return db;
}

bool any_source(SQLite::Database& db) { return db.execAndGet("SELECT EXISTS (SELECT 1 FROM source)").getInt() != 0; }

bool release_holds(SQLite::Database& db, std::string_view kind, std::int64_t release_id) {
  Statement st(db, "SELECT 1 FROM source WHERE kind = ? AND release_id = ? LIMIT 1");
  return st(kind, release_id).next();
}

PageNames page_names(SQLite::Database& db, std::int64_t source_id) {
  Statement st(db, required_sql("storage/source_names.sql"));
  auto row = st(source_id);
  if (!row.next()) throw Error(fmt::format("page {} is not stored", source_id));
  return {std::string(row.text(0)), std::string(row.text(1)), std::string(row.text(2))};
}

void each_source_of_release(SQLite::Database& db, std::string_view kind, std::int64_t release_id,
                            const std::function<void(std::int64_t id, std::string_view path)>& each) {
  Statement st(db, "SELECT id, path FROM source WHERE kind = ? AND release_id = ?");
  for (auto row = st(kind, release_id); row.next();) each(row.int64(0), row.text(1));
}

void each_source_of_kind(SQLite::Database& db, std::string_view kind,
                         const std::function<void(std::int64_t id, std::int64_t release_id, std::string_view path)>& each) {
  Statement st(db, "SELECT id, release_id, path FROM source WHERE kind = ?");
  for (auto row = st(kind); row.next();) each(row.int64(0), row.int64(1), row.text(2));
}

}  // namespace cachedb
