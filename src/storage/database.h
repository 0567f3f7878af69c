#pragma once
// Opening the cachedb database: path resolution, connection settings, schema
// upgrades. A thin layer over SQLiteCpp; statements are prepared by callers.
//
// Before SQLite touches a file, open_database() looks at it, because some
// files SQLite would change just by reading them: a rollback journal beside a
// WAL database is played back into it (destroying it), and another program's
// database would be switched to WAL and given cachedb's tables. Such files are
// refused with a message, byte for byte as they were.
#include <filesystem>
#include <string>

#include <SQLiteCpp/Database.h>

#include "error.h"

namespace cachedb {

// How long a connection waits out another's lock before it gives up.
constexpr int kBusyTimeoutMs = 5000;

// PRAGMA application_id of every database cachedb writes ("cach" in ASCII),
// so that cachedb (and `file`) can tell its databases from other programs'.
constexpr int kApplicationId = 0x63616368;

// The page size of a database cachedb makes (see open_database()).
constexpr int kNewDatabasePageBytes = 16384;

enum class OpenMode {
  ReadWrite,  // creates the file when missing and upgrades its schema
  ReadOnly,   // for reports and ad-hoc SQL: SQLite itself refuses every write
};

// Process-wide SQLite settings; call once at start-up, before any connection.
// Turns off SQLite's memory statistics, whose global mutex costs every
// allocation on the ingest hot path.
void configure_sqlite();

// --db, else $CACHEDB_DB, else ./cachedb.sqlite.
std::filesystem::path resolve_db_path(const std::string& flag_value);

// Opens (and for ReadWrite, creates and migrates) the database. Throws Error
// with a message naming the path when it cannot be used. ReadOnly also opens a
// WAL database where its -wal and -shm files cannot be created (a read-only
// mount or directory), as SQLite's `immutable` file: nothing can write there.
SQLite::Database open_database(const std::filesystem::path& path, OpenMode mode);

// Empties the write-ahead log into the database file (a TRUNCATE checkpoint),
// waiting up to the busy timeout for readers still in it. A writer calls it
// once done: its connection does not checkpoint as it closes (see
// open_database), so readers never meet the exclusive lock that takes, and no
// WAL as large as the last run is left for every new reader to scan. Never
// throws; a WAL that readers kept is logged and emptied by the next writer.
void empty_wal(SQLite::Database& db) noexcept;

// The error for a database file with more than one name (hard links): SQLite
// finds a database's -wal, -shm and -journal files by its name, so each name
// would get a log of its own, and two writers, one through each, corrupt it.
Error hard_links_error(const std::filesystem::path& path, unsigned long links);

// The file is not one cachedb may open as its database: another program's
// SQLite file, or one with a rollback journal beside it that is not its own.
// Nothing of it was changed.
class RefusedDatabase : public Error {
 public:
  using Error::Error;
};

// Writes a copy of the database at `source` to `target` for readers anywhere:
// compact (VACUUM INTO), consistent (one read transaction, so an ingest may
// run meanwhile), in rollback-journal mode (readable on read-only storage,
// which a WAL database is not), with statistics for the query planner
// (ANALYZE). The copy is written beside `target` and renamed over it only when
// complete; an existing `target` is replaced only when `replace`.
void export_database(const std::filesystem::path& source, const std::filesystem::path& target, bool replace);

// Where export_database writes its copy of `target` until it is complete
// (beside it, named for this process): what a stopped export must remove.
std::filesystem::path export_partial_path(const std::filesystem::path& target);

}  // namespace cachedb
