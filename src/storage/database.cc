#include "storage/database.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "storage/migrations.h"
#include "storage/sqlite_errors.h"

namespace cachedb {
namespace {

namespace fs = std::filesystem;

// What open_database() learns of a file before SQLite opens it.
struct FileFacts {
  bool exists = false;
  unsigned long links = 0;
  std::string header;  // the first 100 bytes, fewer when the file is shorter

  // Bytes 18 and 19 of the header are 2 in WAL mode, 1 with a rollback journal.
  bool wal() const { return header.size() >= 20 && (header[18] == 2 || header[19] == 2); }
};

FileFacts inspect(const fs::path& path, OpenMode mode) {
  FileFacts facts;
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT)
      throw Error(fmt::format("{}: cannot open database: {}", path.string(), std::strerror(errno)));
    if (mode == OpenMode::ReadOnly)
      throw Error(fmt::format("{}: no database here; create it with 'cachedb ingest'", path.string()));
    return facts;  // a new database
  }
  if (S_ISDIR(st.st_mode)) throw Error(fmt::format("{}: is a directory, not a database file", path.string()));
  facts.exists = true;
  facts.links = static_cast<unsigned long>(st.st_nlink);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd >= 0) {
    char buf[100];
    const ssize_t n = pread(fd, buf, sizeof buf, 0);
    if (n > 0) facts.header.assign(buf, static_cast<std::size_t>(n));
    close(fd);
  }
  // (A file that cannot be read is SQLite's to report, in its words.)
  return facts;
}

// A rollback journal whose header is written (its first byte not zero: SQLite
// zeroes the header of a journal it keeps but is done with) is "hot": SQLite
// plays it back into the database at the first read. Beside a WAL database it
// cannot be the database's own (WAL mode keeps none), so it was copied in with
// the file or left by another program, and playing it back destroys the
// database; a reader cannot even open it ("read-only"). Refused, so a person
// can look at it first.
void refuse_foreign_journal(const fs::path& path, const FileFacts& facts) {
  if (!facts.wal()) return;  // a rollback-journal database's own journal is SQLite's to recover
  const fs::path journal = path.string() + "-journal";
  const int fd = open(journal.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return;
  char first = 0;
  const ssize_t n = pread(fd, &first, 1, 0);
  close(fd);
  if (n != 1 || first == 0) return;
  throw Error(fmt::format(
      "{}: a rollback journal lies beside this WAL-mode database; it is not the database's own (WAL mode keeps "
      "none) and SQLite would play it back into the database, destroying it. Nothing was changed: move the "
      "journal out of the way (keep it) and run again",
      journal.string()));
}

// Throws Error unless the database is empty (a new one) or cachedb's: marked
// with its application id, or made by a cachedb from before the mark
// (application id 0, a schema version and cachedb's tables). Only reads.
void refuse_other_programs(SQLite::Database& db, const fs::path& path) {
  const int application_id = db.execAndGet("PRAGMA application_id").getInt();
  if (application_id == kApplicationId) return;
  const int version = schema_version(db);
  std::vector<std::string> names;
  SQLite::Statement st(db,
      "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  while (st.executeStep()) names.push_back(st.getColumn(0).getString());
  if (application_id == 0 && version == 0 && names.empty()) return;
  auto has = [&](std::string_view name) { return std::find(names.begin(), names.end(), name) != names.end(); };
  if (application_id == 0 && version >= 1 && has("release") && has("package") && has("spec") && has("page") &&
      has("release_spec"))
    return;
  std::string listed;
  for (std::size_t i = 0; i < names.size() && i < 5; ++i) listed += (i ? ", " : "") + names[i];
  if (names.size() > 5) listed += fmt::format(" and {} more", names.size() - 5);
  throw Error(fmt::format(
      "{}: not a cachedb database but another program's SQLite file (application_id {}, user_version {}, {}); "
      "cachedb changed nothing. Give --db a new path, or an empty file",
      path.string(), application_id, version, names.empty() ? std::string("no tables") : "holding " + listed));
}

}  // namespace

void configure_sqlite() { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

std::filesystem::path resolve_db_path(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("CACHEDB_DB"); env && *env) return env;
  return "cachedb.sqlite";
}

Error hard_links_error(const fs::path& path, unsigned long links) {
  return Error(fmt::format(
      "{}: the database file has {} hard links (other names for the same file); SQLite keeps a database's "
      "write-ahead log and locks by its name, so writing through two names corrupts it. Nothing was changed: "
      "keep one name (remove the other links) or give --db a copy",
      path.string(), links));
}

SQLite::Database open_database(const fs::path& path, OpenMode mode) {
  const bool in_memory = path.empty() || path == ":memory:";
  FileFacts facts;
  if (!in_memory) {
    facts = inspect(path, mode);
    refuse_foreign_journal(path, facts);
    if (mode == OpenMode::ReadWrite && facts.links > 1) throw hard_links_error(path, facts.links);
  }
  auto fail = [&](const SQLite::Exception& e, sqlite3* handle) {
    return Error(fmt::format("{}: cannot open database: {}", path.string(), describe_sqlite_error(e, handle)));
  };
  // One connection is only ever used by one thread at a time: skip SQLite's mutexes.
  const int flags = SQLite::OPEN_NOMUTEX |
                    (mode == OpenMode::ReadOnly ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  std::optional<SQLite::Database> opened;
  try {
    // A busy timeout lets readers and writers wait out each other's short locks.
    opened.emplace(path.string(), flags, /*busyTimeoutMs=*/5000);
  } catch (const SQLite::Exception& e) {
    throw fail(e, nullptr);
  }
  SQLite::Database& db = *opened;
  try {
    // SQLite quietly opens a file it cannot write read-only; say so now rather
    // than at the first write.
    if (mode == OpenMode::ReadWrite && sqlite3_db_readonly(db.getHandle(), "main") == 1)
      throw Error(fmt::format("{}: the database is read-only (the file is not writable)", path.string()));
    // Whose file this is, read before a byte of it changes (the journal mode included).
    refuse_other_programs(db, path);
    const int version = schema_version(db);
    db.exec("PRAGMA foreign_keys = ON");
    if (mode == OpenMode::ReadWrite) {
      // Closing does not checkpoint: a checkpoint at close takes an exclusive
      // lock on the database file, and a reader that starts meanwhile without
      // a busy handler (the sqlite3 shell's default) is told "database is
      // locked". The writer empties the WAL itself (empty_wal) before closing.
      sqlite3_db_config(db.getHandle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
      // WAL lets reports and the sqlite3 shell read while an ingest writes.
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      // Statement journals in memory cost no file writes.
      db.exec("PRAGMA temp_store = MEMORY");
      // 8 MiB of page cache. The writer's lookups stay within a few pages (a
      // page's package's specs, the tails of the tables it appends to), so a
      // bigger cache buys no speed (32 MiB measured the same at 1M spec rows),
      // only memory; and a cache that an ingest of 100k rows already fills
      // keeps the peak memory of larger ingests where it is.
      db.exec("PRAGMA cache_size = -8192");
      migrate(db);
      if (db.execAndGet("PRAGMA application_id").getInt() != kApplicationId)
        db.exec(fmt::format("PRAGMA application_id = {}", kApplicationId));
    } else if (version != latest_schema_version()) {
      throw Error(fmt::format(
          "{}: schema version {} but this cachedb reads version {}; run 'cachedb ingest' to upgrade it",
          path.string(), version, latest_schema_version()));
    }
  } catch (const SQLite::Exception& e) {
    throw fail(e, db.getHandle());
  }
  return std::move(*opened);
}

void empty_wal(SQLite::Database& db) noexcept {
  try {
    SQLite::Statement st(db, "PRAGMA main.wal_checkpoint(TRUNCATE)");
    if (st.executeStep() && st.getColumn(0).getInt() != 0)
      spdlog::info("{}: readers kept the write-ahead log ({} pages) from being emptied; the next ingest empties it",
                   db.getFilename(), st.getColumn(1).getInt());
  } catch (const std::exception& e) {
    spdlog::warn("{}: could not empty the write-ahead log: {}", db.getFilename(), e.what());
  }
}

}  // namespace cachedb
