#include "storage/database.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <SQLiteCpp/Exception.h>

#include "storage/migrations.h"
#include "storage/statement.h"
#include "storage/sqlite_errors.h"
#include "util/process_gone.h"

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

std::uint32_t big_endian32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// Whether `journal` is what SQLite leaves when a switch of journal mode is
// stopped between writing its journal and removing it: the switch is a
// transaction of its own that changes the file-format bytes 18 and 19 of page
// 1 (WAL 2, rollback journal 1). cachedb switches a database it loads empty
// to a rollback journal and back (storage/bulk_load.h), and one in rollback
// mode to WAL when it opens it, so a kill at that moment leaves a hot journal
// beside a file whose header may read WAL. The journal is taken for that only
// when playing it back can change nothing but those bytes and the change
// counters. So: one segment (a second would be played back too) and no
// super-journal name at its end (SQLite would delete the file it names),
// holding one record, of page 1, equal to the database's page 1 in every
// other byte, or no record (none counted yet: SQLite plays back none); the
// database's own size and page size (played back, the file is cut to the
// size the journal names); and no page in its -wal (a switch out of WAL
// empties and removes the -wal first, one into WAL makes it after). Or, for
// a new database, the journal of its first switch: no record, and a file of
// one page whose table of tables is empty and whose header was never set.
// Also, of the page-1 record, the format bytes it restores are a mode (both
// 1 or both 2). (SQLite's journal format: sqlite.org/fileformat.html, "The
// Rollback Journal"; src/pager.c.)
bool journal_of_a_mode_switch(int journal, const fs::path& path) {
  static constexpr unsigned char kMagic[8] = {0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7};
  unsigned char header[28], tail[8];
  struct stat js{}, ds{}, ws{};
  if (pread(journal, header, sizeof header, 0) != static_cast<ssize_t>(sizeof header) || fstat(journal, &js) != 0 ||
      std::memcmp(header, kMagic, sizeof kMagic) != 0)
    return false;
  const std::uint32_t records = big_endian32(header + 8), pages_before = big_endian32(header + 16),
                      sector = big_endian32(header + 20), page = big_endian32(header + 24);
  const auto power_of_two = [](std::uint32_t v, std::uint32_t low) {
    return v >= low && v <= 65536 && (v & (v - 1)) == 0;
  };
  if (!power_of_two(sector, 32) || !power_of_two(page, 512)) return false;
  // One segment: its header's sector alone, or with one record after it.
  const auto size = static_cast<std::uint64_t>(js.st_size);
  const bool no_record = size == sector, one_record = size == std::uint64_t{sector} + page + 8;
  if (!no_record && !one_record) return false;
  // A super-journal record ends the file with the magic.
  if (pread(journal, tail, sizeof tail, static_cast<off_t>(size - sizeof tail)) != static_cast<ssize_t>(sizeof tail) ||
      std::memcmp(tail, kMagic, sizeof kMagic) == 0)
    return false;
  // The count: 0 (none counted: SQLite plays back no record of the segment),
  // 1, or 0xffffffff ("as many as fit", with synchronous off).
  if (records != 0 && records != 0xffffffffu && !(records == 1 && one_record)) return false;
  const fs::path wal = path.string() + "-wal";
  if (stat(wal.c_str(), &ws) == 0 && ws.st_size > 0) return false;
  const int db = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (db < 0) return false;
  std::vector<unsigned char> saved(page + 4), current(page);
  const bool read = fstat(db, &ds) == 0 && pread(db, current.data(), current.size(), 0) == static_cast<ssize_t>(current.size());
  close(db);
  if (!read) return false;
  // The database's page size (bytes 16-17; 1 stands for 65536) is the journal's.
  const std::uint32_t db_page = (std::uint32_t{current[16]} << 8) | current[17];
  if ((db_page == 1 ? 65536u : db_page) != page) return false;
  // A new database's first switch: the file, cut to nothing, held nothing
  // (one page, whose table of tables is an empty leaf: B-tree header at byte
  // 100, type 13, cell count at 103-104), and nothing was ever set in it
  // (schema cookie, bytes 40-43; user version, 60-63; application id, 68-71).
  if (pages_before == 0) {
    const auto zero = [&](std::size_t at) {
      return current[at] == 0 && current[at + 1] == 0 && current[at + 2] == 0 && current[at + 3] == 0;
    };
    return no_record && static_cast<std::uint64_t>(ds.st_size) == page && current[100] == 13 && current[103] == 0 &&
           current[104] == 0 && zero(40) && zero(60) && zero(68);
  }
  if (static_cast<std::uint64_t>(ds.st_size) != std::uint64_t{pages_before} * page) return false;
  if (no_record) return true;
  if (pread(journal, saved.data(), saved.size(), sector) != static_cast<ssize_t>(saved.size()) ||
      big_endian32(saved.data()) != 1)
    return false;
  const unsigned char* before = saved.data() + 4;
  // The mode it switched from: WAL (2) or a rollback journal (1), both bytes alike.
  if (before[18] != before[19] || (before[18] != 1 && before[18] != 2)) return false;
  for (std::size_t i = 0; i < page; ++i) {
    const bool may_differ = i == 18 || i == 19 || (i >= 24 && i < 28) || (i >= 92 && i < 100);
    if (!may_differ && before[i] != current[i]) return false;
  }
  return true;
}

// A rollback journal whose header is written (its first byte not zero: SQLite
// zeroes the header of a journal it keeps but is done with) is "hot": SQLite
// plays it back into the database at the first read. Beside a WAL database it
// is not the database's own (WAL mode keeps none) unless a switch of journal
// mode was stopped midway (journal_of_a_mode_switch), so it was copied in
// with the file or left by another program, and playing it back destroys the
// database; a reader cannot even open it ("read-only"). Refused, so a person
// can look at it first.
void refuse_foreign_journal(const fs::path& given, const FileFacts& facts) {
  if (!facts.wal()) return;  // a rollback-journal database's own journal is SQLite's to recover
  // Where SQLite looks: it resolves every link in the name, and keeps the
  // journal and the -wal beside the file itself, not beside a link to it.
  std::error_code ec;
  fs::path path = fs::canonical(given, ec);
  if (ec) path = given;
  const fs::path journal = path.string() + "-journal";
  const int fd = open(journal.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return;
  char first = 0;
  const ssize_t n = pread(fd, &first, 1, 0);
  const bool own = n == 1 && first != 0 && journal_of_a_mode_switch(fd, path);
  close(fd);
  if (n != 1 || first == 0) return;
  if (own) {
    spdlog::info("{}: the journal of a switch of journal mode that was stopped midway; SQLite plays it back",
                 journal.string());
    return;
  }
  throw RefusedDatabase(fmt::format(
      "{}: a rollback journal lies beside this WAL-mode database; it is not the database's own (WAL mode keeps "
      "none) and SQLite would play it back into the database, destroying it. Nothing was changed: move the "
      "journal out of the way (keep it) and run again",
      journal.string()));
}

// Whether this process may create files in `dir` (the -wal and -shm files of
// a WAL database): not on a read-only mount, nor in a directory without
// write permission for the effective user and capabilities.
bool directory_writable(const fs::path& dir) {
  return faccessat(AT_FDCWD, dir.empty() ? "." : dir.c_str(), W_OK, AT_EACCESS) == 0;
}

// A `file:` URI naming `path` as SQLite parses it (RFC 3986 escapes).
std::string file_uri(const fs::path& path, const std::string& query) {
  std::string out = "file://";
  for (const unsigned char c : fs::absolute(path).string()) {
    if (std::isalnum(c) || std::strchr("/-._~", c)) out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out + "?" + query;
}

// Throws Error unless the database is empty (a new one) or cachedb's: marked
// with its application id, or made by a cachedb from before the mark
// (application id 0, a schema version and cachedb's tables). Only reads.
void refuse_other_programs(SQLite::Database& db, const fs::path& path) {
  const int application_id = db.execAndGet("PRAGMA application_id").getInt();
  if (application_id == kApplicationId) return;
  const int version = schema_version(db);
  std::vector<std::string> names;
  Statement st(db, "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  for (auto row = st.use(); row.next();) names.emplace_back(row.text(0));
  if (application_id == 0 && version == 0 && names.empty()) return;
  auto has = [&](std::string_view name) { return std::find(names.begin(), names.end(), name) != names.end(); };
  if (application_id == 0 && version >= 1 && has("release") && has("package") && has("spec") && has("page") &&
      has("release_spec"))
    return;
  std::string listed;
  for (std::size_t i = 0; i < names.size() && i < 5; ++i) listed += (i ? ", " : "") + names[i];
  if (names.size() > 5) listed += fmt::format(" and {} more", names.size() - 5);
  throw RefusedDatabase(fmt::format(
      "{}: not a cachedb database but another program's SQLite file (application_id {}, user_version {}, {}); "
      "cachedb changed nothing. Give --db a new path, or an empty file",
      path.string(), application_id, version, names.empty() ? std::string("no tables") : "holding " + listed));
}

// Plays back the hot rollback journal of an ingest that was killed before it
// committed, as the next writer would: the database is then as that ingest
// found it. Throws Error when this process may not write the database.
void play_back_journal(const fs::path& path) {
  try {
    SQLite::Database writer(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX, kBusyTimeoutMs);
    writer.execAndGet("PRAGMA schema_version");
    spdlog::info("{}: an ingest was interrupted before it committed; its journal was played back", path.string());
  } catch (const SQLite::Exception& e) {
    throw Error(fmt::format("{}: an ingest was interrupted before it committed, and its journal ({}-journal) "
                            "cannot be played back without writing to the database: {}. Run 'cachedb ingest' on "
                            "it (or open it with the sqlite3 shell) where it may be written",
                            path.string(), path.string(), e.what()));
  }
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

namespace {

// open_database(); `may_play_back`: whether a hot journal may be played back
// (once: a database that still has one after is reported, not retried).
SQLite::Database open_database(const fs::path& path, OpenMode mode, bool may_play_back) {
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
  // A WAL database needs its -wal and -shm files, which a reader creates when
  // they are missing; where it cannot (a read-only mount, an image layer, a
  // directory it may not write) SQLite would refuse to open the database at
  // all. There the file is opened `immutable`: read as it is, without locks
  // or WAL. No writer can be at work meanwhile unless one may write the
  // directory and starts during the read (it would create the -wal); an
  // ingest leaves the -wal and -shm in place, and with both present SQLite
  // reads them read-only by itself, with its locks, so that case comes only
  // from a database whose WAL files were removed (or never copied).
  std::string name = path.string();
  int extra_flags = 0;
  if (mode == OpenMode::ReadOnly && facts.exists && facts.wal() && !directory_writable(path.parent_path())) {
    const fs::path wal = path.string() + "-wal", shm = path.string() + "-shm";
    std::error_code ec;
    const bool has_wal = fs::exists(wal, ec), has_shm = fs::exists(shm, ec);
    if (!has_wal || !has_shm) {
      if (has_wal && fs::file_size(wal, ec) > 0 && !ec)
        spdlog::warn("{}: read without the changes in its write-ahead log {} (its -shm file is missing and cannot be "
                     "made here); 'cachedb export' writes a copy made for read-only places",
                     path.string(), wal.string());
      name = file_uri(path, "immutable=1");
      extra_flags = SQLITE_OPEN_URI;
    }
  }
  // One connection is only ever used by one thread at a time: skip SQLite's mutexes.
  const int flags = SQLite::OPEN_NOMUTEX | extra_flags |
                    (mode == OpenMode::ReadOnly ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  std::optional<SQLite::Database> opened;
  try {
    // A busy timeout lets readers and writers wait out each other's short locks.
    opened.emplace(name, flags, kBusyTimeoutMs);
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
    // Pages of 16 KiB in a database made now (one with a schema keeps its own:
    // SQLite takes the size only before the first page is written). A bulk
    // load writes a quarter as many pages, each a system call (~1 us on the
    // benchmarks' hypervisor; 100 MB of indexes: 2,026 -> 474 writes to the
    // database file), into B-trees a level shallower: 1 GB of indexes
    // 2.88 -> 2.67 s (5.15 -> 4.86 CPU s; 8 KiB 2.68 s), 100 MB 342 -> 332
    // ms; page ingests and an unchanged re-ingest the same. Page caches are
    // set in KiB, so their memory is the same too.
    if (mode == OpenMode::ReadWrite && version == 0)
      db.exec(fmt::format("PRAGMA page_size = {}", kNewDatabasePageBytes));
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
    } else if (version == 0) {
      // An empty file: a first ingest is making the database (it commits the
      // schema with its data), or was stopped before it committed.
      throw Error(fmt::format("{}: no cachedb database yet (the file is empty: the first ingest has not committed); "
                              "run 'cachedb ingest'",
                              path.string()));
    } else if (version > latest_schema_version()) {
      throw newer_schema_error(path.string(), version);
    } else if (version != latest_schema_version()) {
      throw Error(fmt::format(
          "{}: schema version {} but this cachedb reads version {}; run 'cachedb ingest' to upgrade it",
          path.string(), version, latest_schema_version()));
    }
  } catch (const SQLite::Exception& e) {
    // A load into an empty database (storage/bulk_load.h) killed before it
    // committed leaves a hot rollback journal, which only a connection that
    // may write can play back.
    if (may_play_back && mode == OpenMode::ReadOnly && e.getExtendedErrorCode() == SQLITE_READONLY_ROLLBACK &&
        !in_memory) {
      opened.reset();
      play_back_journal(path);
      return open_database(path, mode, false);
    }
    throw fail(e, db.getHandle());
  }
  return std::move(*opened);
}

}  // namespace

SQLite::Database open_database(const fs::path& path, OpenMode mode) { return open_database(path, mode, true); }

void empty_wal(SQLite::Database& db) noexcept {
  // The C call, not PRAGMA wal_checkpoint: a pragma needs the schema, and a
  // run that changed temp_store has had its schema reset, so the pragma
  // would parse every table, view and index again (~1.5 M instructions, a
  // sixth of an unchanged re-ingest of indexes) only to checkpoint.
  int log_frames = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db.getHandle(), "main", SQLITE_CHECKPOINT_TRUNCATE, &log_frames, nullptr);
  if (rc == SQLITE_BUSY) {
    // Once is a reader that happened to be in; a log grown past 32 MiB is
    // one held open across runs, which keeps it growing and every new
    // reader scanning it: the operator hears of that.
    std::error_code ec;
    const auto bytes = fs::file_size(db.getFilename() + "-wal", ec);
    const bool large = !ec && bytes >= (std::uintmax_t{32} << 20);
    spdlog::log(large ? spdlog::level::warn : spdlog::level::info,
                "{}: readers kept the write-ahead log ({} pages{}) from being emptied; the next ingest empties it "
                "unless a reader still holds a read transaction open then",
                db.getFilename(), log_frames, large ? fmt::format(", {} MiB", bytes >> 20) : "");
  }
  else if (rc != SQLITE_OK)
    spdlog::warn("{}: could not empty the write-ahead log: {}", db.getFilename(), sqlite3_errmsg(db.getHandle()));
}

fs::path export_partial_path(const fs::path& target) {
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  return dir / fmt::format(".{}.partial-{}", target.filename().string(), getpid());
}

namespace {

// The copies left beside `target` by exports killed with SIGKILL (the other
// stop signals remove their own): `.NAME.partial-PID`, and its `-journal`.
// Removed only when no process has that pid here and the file has not been
// written for ten minutes, so that an export running on another host of a
// shared file system, whose pid means nothing here, keeps its copy.
void remove_stale_partials(const fs::path& dir, const fs::path& target) {
  const std::string prefix = fmt::format(".{}.partial-", target.filename().string());
  const auto old_enough = fs::file_time_type::clock::now() - std::chrono::minutes(10);
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string filename = it->path().filename().string();
    std::string_view name = filename;
    if (!name.starts_with(prefix)) continue;
    name.remove_prefix(prefix.size());
    if (name.ends_with("-journal")) name.remove_suffix(std::string_view("-journal").size());
    pid_t pid = 0;
    const auto [end_of_pid, parsed] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (parsed != std::errc() || end_of_pid != name.data() + name.size() || pid <= 0 || pid == getpid()) continue;
    if (!process_gone(pid)) continue;
    std::error_code stat_error, removed;
    if (it->symlink_status(stat_error).type() != fs::file_type::regular || stat_error) continue;
    if (it->last_write_time(stat_error) > old_enough || stat_error) continue;
    if (fs::remove(it->path(), removed))
      spdlog::info("{}: removed the partial copy of an export stopped by SIGKILL (pid {})", it->path().string(), pid);
  }
}

}  // namespace

void export_database(const fs::path& source, const fs::path& target, bool replace) {
  std::error_code ec;
  if (fs::is_directory(target, ec)) throw Error(fmt::format("{}: is a directory", target.string()));
  const bool exists = fs::exists(target, ec);
  if (exists && !replace)
    throw Error(fmt::format("{}: already exists; give --force to replace it", target.string()));
  if (exists && fs::equivalent(source, target, ec))
    throw Error(fmt::format("{}: is the database itself; export writes a copy elsewhere", target.string()));
  auto db = open_database(source, OpenMode::ReadOnly);

  // Written beside the target under a name of its own, renamed over it when
  // complete: a reader never meets half a copy, and a failed export leaves
  // nothing behind.
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const fs::path partial = export_partial_path(target);
  struct Cleanup {
    fs::path file;
    bool armed = true;
    ~Cleanup() {
      if (!armed) return;
      std::error_code ignored;
      fs::remove(file, ignored);
      fs::remove(file.string() + "-journal", ignored);
    }
  } cleanup{partial};
  fs::remove(partial, ec);  // a leftover of an export killed with this pid
  remove_stale_partials(dir, target);

  auto failed = [&](const std::string& what, const SQLite::Exception& e, sqlite3* handle) {
    return Error(fmt::format("{}: {}: {}", target.string(), what, describe_sqlite_error(e, handle)));
  };
  try {
    // One statement, one read transaction: the copy is a committed state of
    // the database, whatever an ingest does meanwhile. The copy has a rollback
    // journal and no free pages.
    Statement vacuum(db, "VACUUM INTO ?");
    vacuum(partial.string()).exec();
  } catch (const SQLite::Exception& e) {
    throw failed("cannot write the copy", e, db.getHandle());
  }
  try {
    SQLite::Database copy(partial.string(), SQLite::OPEN_READWRITE);
    copy.exec("PRAGMA journal_mode = DELETE");
    copy.exec("ANALYZE");
    if (copy.execAndGet("PRAGMA journal_mode").getString() != "delete")
      throw Error(fmt::format("{}: the copy is not in rollback-journal mode", target.string()));
  } catch (const SQLite::Exception& e) {
    throw failed("cannot analyze the copy", e, nullptr);
  }
  // VACUUM INTO does not sync what it writes: sync the file, then its directory
  // after the rename, so that a crash leaves the old target or the whole copy.
  const int fd = open(partial.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) {
    const int saved = errno;
    if (fd >= 0) close(fd);
    throw Error(fmt::format("{}: cannot write the copy: {}", target.string(), std::strerror(saved)));
  }
  close(fd);
  int rc = replace ? renameat(AT_FDCWD, partial.c_str(), AT_FDCWD, target.c_str())
                   : renameat2(AT_FDCWD, partial.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE);
  if (rc != 0 && errno == EINVAL && !replace) {
    // A file system without RENAME_NOREPLACE: checked, then renamed.
    if (fs::exists(target, ec)) errno = EEXIST;
    else rc = renameat(AT_FDCWD, partial.c_str(), AT_FDCWD, target.c_str());
  }
  if (rc != 0) {
    if (errno == EEXIST) throw Error(fmt::format("{}: already exists; give --force to replace it", target.string()));
    throw Error(fmt::format("{}: cannot put the copy in place: {}", target.string(), std::strerror(errno)));
  }
  cleanup.armed = false;
  if (const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  spdlog::info("{}: exported {} ({} bytes)", target.string(), source.string(), fs::file_size(target, ec));
}

}  // namespace cachedb
