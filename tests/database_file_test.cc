// What the database file is, before cachedb writes a byte of it: a second
// name for the same file (a hard link, a bind mount), another program's SQLite
// file, a rollback journal left beside a WAL database. Each is refused with one
// clear line and exit status 1, and the files are left byte for byte as they were.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <filesystem>
#include <string>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

#include "child_process.h"
#include "ingest/lock.h"
#include "test_support.h"

namespace fs = std::filesystem;
using testing::ChildResult;

using testing::contains;
using testing::lines;

namespace {

// PRAGMA application_id of cachedb's databases ("cach").
constexpr int kCachedbApplicationId = 0x63616368;

ChildResult run(const fs::path& db, std::vector<std::string> args) {
  std::vector<std::string> argv = {testing::cachedb_binary(), "--db", db.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_child(argv, 60);
}

std::string basic() { return testing::fixture("basic").string(); }

int pragma(const fs::path& db, const std::string& name) {
  SQLite::Database c(db.string(), SQLite::OPEN_READONLY);
  return c.execAndGet("PRAGMA " + name).getInt();
}

std::string report(const fs::path& db) {
  auto r = run(db, {"report", "--matrix", "stacks-by-target", "--format", "csv", "--totals"});
  REQUIRE(r.exit_code == 0);
  return r.out;
}

}  // namespace

TEST_SUITE_BEGIN("process");

TEST_CASE("a database file with a second name (a hard link) is refused, and left as it was") {
  testing::TempDir dir;
  const auto a = dir / "a" / "db.sqlite", b = dir / "b" / "db.sqlite";
  fs::create_directories(a.parent_path());
  fs::create_directories(b.parent_path());
  REQUIRE(run(a, {"ingest", basic()}).exit_code == 0);
  const std::string before = report(a), bytes = testing::read_text(a);
  fs::create_hard_link(a, b);
  // Each name would get a -wal and a lock of its own: two ingests at once
  // through the two names corrupt the file.
  for (const auto& name : {a, b}) {
    CAPTURE(name);
    const auto r = run(name, {"ingest", basic()});
    check_one_fatal_line(r, name.string() + ": ");
    CHECK(contains(r.err, "2 hard links"));
  }
  CHECK(testing::read_text(a) == bytes);
  CHECK_FALSE(fs::exists(b.string() + "-wal"));
  CHECK(report(a) == before);
  // With one name again, it is an ordinary database.
  fs::remove(b);
  CHECK(run(a, {"ingest", basic()}).exit_code == 0);
}

TEST_CASE("two paths to one database file (a bind mount) share one ingest lock") {
  testing::TempDir dir;
  const auto a = dir / "a" / "db.sqlite", b = dir / "b" / "db.sqlite";
  fs::create_directories(a.parent_path());
  fs::create_directories(b.parent_path());
  REQUIRE(run(a, {"ingest", basic()}).exit_code == 0);
  testing::write_text(b, "");  // the mount point
  // `b` becomes the same file as `a` in a mount namespace of the child's own.
  auto in_namespace = [&](const std::vector<std::string>& command) {
    std::vector<std::string> argv = {"unshare", "-m", "--propagation", "private", "sh", "-c",
                                     "mount --bind \"$0\" \"$1\" && shift && exec \"$@\"", a.string(), b.string()};
    argv.insert(argv.end(), command.begin(), command.end());
    return testing::run_child(argv, 60);
  };
  const auto probe = in_namespace({"true"});
  if (probe.exit_code != 0) {
    MESSAGE("skipped: no bind mount here (needs root and unshare): " << probe.err);
    return;
  }
  const std::string before = report(a);
  {
    cachedb::IngestLock held(a);
    const auto r = in_namespace({testing::cachedb_binary(), "--db", b.string(), "ingest", basic()});
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "another ingest is running on this database"));
  }
  CHECK(report(a) == before);
  CHECK(in_namespace({testing::cachedb_binary(), "--db", b.string(), "ingest", basic()}).exit_code == 0);
}

TEST_CASE("another program's SQLite file is refused before a byte of it changes") {
  testing::TempDir dir;
  const auto db = dir / "theirs.sqlite";
  std::string table;
  SUBCASE("tables of its own") { table = "notes"; }
  SUBCASE("a table whose name cachedb uses too") { table = "release"; }
  {
    SQLite::Database theirs(db.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    theirs.exec("CREATE TABLE " + table + "(id INTEGER PRIMARY KEY, body TEXT)");
    theirs.exec("INSERT INTO " + table + "(body) VALUES ('theirs'), ('still theirs')");
  }
  const std::string bytes = testing::read_text(db);
  REQUIRE(bytes.substr(18, 2) == std::string("\x01\x01", 2));  // rollback journal mode

  check_one_fatal_line(run(db, {"ingest", basic()}), db.string() + ": not a cachedb database");
  check_one_fatal_line(run(db, {"report", "--matrix", "stacks-by-target"}), "not a cachedb database");
  check_one_fatal_line(run(db, {"sql", "SELECT 1"}), "not a cachedb database");
  CHECK(testing::read_text(db) == bytes);  // the journal mode included
  CHECK_FALSE(fs::exists(db.string() + "-wal"));
  CHECK_FALSE(fs::exists(db.string() + "-shm"));
  // Nor the ingest's lock file: nothing of cachedb's is left beside it.
  CHECK_FALSE(fs::exists(db.string() + ".lock"));
}

// Any other failure to open keeps the lock file the run made: between its
// making and the failure another ingest (an older cachedb, which locks only
// that file) may have opened it to wait on it, and a file unlinked under it
// would let a third run lock a new one beside it. A lock file left behind
// holds nothing once its run is gone.
TEST_CASE("a file SQLite cannot read fails the ingest by name; the lock file stays and blocks nothing") {
  testing::TempDir dir;
  const auto db = dir / "junk.sqlite";
  std::string junk(8192, '\0');
  for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>((i * 7919 + 13) % 251);
  testing::write_text(db, junk);
  check_one_fatal_line(run(db, {"ingest", basic()}), db.string() + ": cannot open database: file is not a database");
  CHECK(testing::read_text(db) == junk);
  CHECK(fs::exists(db.string() + ".lock"));
  fs::rename(db, dir / "junk.kept");
  const auto r = run(db, {"ingest", basic()});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(contains(report(db), "x86_64"));
}

TEST_CASE("a link where the lock's note goes is not followed: the file it names is left as it was") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite", victim = dir / "precious.txt";
  testing::write_text(victim, "not cachedb's to write\n");
  fs::create_symlink(victim, db.string() + ".lock");
  const auto r = run(db, {"ingest", basic()});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, ".lock: a link or not a file"));
  CHECK(testing::read_text(victim) == "not cachedb's to write\n");
  CHECK(contains(report(db), "x86_64"));
  CHECK(fs::is_symlink(db.string() + ".lock"));
}

TEST_CASE("a second ingest names the running one from the lock's note, unless the note names a process gone") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
  // The database locked as an ingest locks it, and the note as the running
  // ingest left it, or (the moment after it took the lock) as the one before did.
  const int fd = ::open(db.c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(fd >= 0);
  struct flock lock{};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  REQUIRE(fcntl(fd, F_OFD_SETLK, &lock) == 0);
  const pid_t gone = fork();
  REQUIRE(gone >= 0);
  if (gone == 0) _exit(0);
  REQUIRE(waitpid(gone, nullptr, 0) == gone);
  for (const pid_t holder : {getpid(), gone}) {
    CAPTURE(holder);
    testing::write_text(db.string() + ".lock", fmt::format("pid {}, started 2026-12-07T02:00:00Z\n", holder));
    const auto r = run(db, {"ingest", basic()});
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "another ingest is running on this database"));
    CHECK(contains(r.err, fmt::format("(pid {}, started", holder)) == (holder == getpid()));
  }
  ::close(fd);
}

// Readers take a database of this cachedb's schema version only: each other
// case is told apart, with what to do about it.
TEST_CASE("a reader tells apart an empty file, an older database and a newer one") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  // An empty file: a first ingest making the database, not committed yet.
  testing::write_text(db, "");
  check_one_fatal_line(run(db, {"runs"}), db.string() + ": no cachedb database yet");
  fs::remove(db);
  REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
  const std::string before = report(db);
  const int version = pragma(db, "user_version");
  const auto set_version = [&](int v) {
    SQLite::Database c(db.string(), SQLite::OPEN_READWRITE);
    c.exec("PRAGMA user_version = " + std::to_string(v));
  };
  set_version(version + 1);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"report", "--matrix", "stacks-by-target"}, {"ingest", basic()}}) {
    CAPTURE(args[0]);
    const auto r = run(db, args);
    check_one_fatal_line(r, "is newer than this cachedb understands");
    CHECK(contains(r.err, "use a newer cachedb"));
  }
  // An older one: readers send to ingest, which upgrades it (the migration tests).
  set_version(version - 1);
  check_one_fatal_line(run(db, {"sql", "SELECT 1"}), "run 'cachedb ingest' to upgrade it");
  set_version(version);
  CHECK(report(db) == before);
}

TEST_CASE("cachedb marks its databases; one made before the mark opens and is marked; an empty file is new") {
  testing::TempDir dir;
  SUBCASE("a new path") {
    const auto db = dir / "new.sqlite";
    REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
    CHECK(pragma(db, "application_id") == kCachedbApplicationId);
  }
  SUBCASE("an empty file") {
    const auto db = dir / "empty.sqlite";
    testing::write_text(db, "");
    REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
    CHECK(pragma(db, "application_id") == kCachedbApplicationId);
    CHECK(pragma(db, "user_version") >= 1);
  }
  SUBCASE("a database of an earlier cachedb (application_id 0)") {
    const auto db = dir / "old.sqlite";
    REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
    {
      SQLite::Database c(db.string(), SQLite::OPEN_READWRITE);
      c.exec("PRAGMA application_id = 0");
    }
    const std::string before = report(db);  // readers take it as it is
    REQUIRE(pragma(db, "application_id") == 0);
    const auto r = run(db, {"ingest", basic()});
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(pragma(db, "application_id") == kCachedbApplicationId);
    CHECK(report(db) == before);
  }
}

TEST_CASE("a rollback journal beside a WAL database is refused, and both files are left as they were") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite", journal = dir / "db.sqlite-journal";
  REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
  const std::string before = report(db);
  {
    // Another database's journal, caught mid-transaction once it was synced
    // (a cache too small for the change spills it): a hot journal, which
    // SQLite would play back into whatever file bears the name.
    const auto other = dir / "other.sqlite";
    SQLite::Database o(other.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    o.exec("PRAGMA journal_mode = DELETE");
    o.exec("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)");
    o.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
           "INSERT INTO notes(body) SELECT printf('%.200c', 'x') FROM n");
    o.exec("PRAGMA cache_size = 2");
    o.exec("BEGIN");
    o.exec("UPDATE notes SET body = 'y'");
    fs::copy_file(other.string() + "-journal", journal);
    o.exec("ROLLBACK");
  }
  const std::string db_bytes = testing::read_text(db), journal_bytes = testing::read_text(journal);
  REQUIRE(journal_bytes.size() > 512);

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"ingest", basic()}, {"report", "--matrix", "stacks-by-target"},
        {"sql", "SELECT count(*) FROM specs"}, {"runs"}}) {
    CAPTURE(args[0]);
    const auto r = run(db, args);
    check_one_fatal_line(r, journal.string() + ": ");
    CHECK(contains(r.err, "rollback journal"));
    CHECK_FALSE(contains(r.err, "not writable"));
  }
  CHECK(testing::read_text(db) == db_bytes);
  CHECK(testing::read_text(journal) == journal_bytes);
  // The lock file the first ingest made stays (only one the refused run made goes).
  CHECK(fs::exists(db.string() + ".lock"));
  // Moved away, the database is whole.
  fs::rename(journal, dir / "kept-journal");
  CHECK(report(db) == before);
  SQLite::Database c(db.string(), SQLite::OPEN_READONLY);
  CHECK(c.execAndGet("PRAGMA integrity_check").getString() == "ok");
}

namespace {

void put32(std::string& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
}

// The hot journal SQLite writes when it switches `db` (a WAL database) from a
// rollback journal to WAL, caught after it is synced and before the new page
// 1 is in the file: one record, the page 1 it had, which differs from the
// file's in the format bytes (1: rollback journal) and the change counter.
// `records` and `change` make it something else. The format:
// sqlite.org/fileformat.html, "The Rollback Journal".
std::string mode_switch_journal(const fs::path& db, std::uint32_t records = 1,
                                const std::function<void(std::string&)>& change = {}) {
  const std::string file = testing::read_text(db);
  const std::uint32_t page = (static_cast<unsigned char>(file[16]) << 8) | static_cast<unsigned char>(file[17]);
  REQUIRE(file.size() % page == 0);
  std::string before = file.substr(0, page);
  before[18] = before[19] = 1;
  before[27] = static_cast<char>(before[27] - 1);
  if (change) change(before);
  const std::uint32_t nonce = 0x5eed1234, sector = 512;
  std::string out(sector, '\0');
  const unsigned char magic[8] = {0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7};
  out.replace(0, 8, reinterpret_cast<const char*>(magic), 8);
  put32(out, 8, records);
  put32(out, 12, nonce);
  put32(out, 16, static_cast<std::uint32_t>(file.size() / page));
  put32(out, 20, sector);
  put32(out, 24, page);
  for (std::uint32_t r = 0; r < std::max<std::uint32_t>(records, 1); ++r) {
    std::string record(4 + page + 4, '\0');
    put32(record, 0, r + 1);
    record.replace(4, page, r == 0 ? before : file.substr(r * page, page));
    std::uint32_t sum = nonce;
    for (std::int64_t i = static_cast<std::int64_t>(page) - 200; i > 0; i -= 200)
      sum += static_cast<unsigned char>(record[4 + static_cast<std::size_t>(i)]);
    put32(record, 4 + page, sum);
    out += record;
  }
  return out;
}

// What opening a new file leaves: one 16 KiB page, in WAL mode, with `then`
// run on it (SQL); `keep_wal`: what it wrote is left in the -wal.
void make_new_wal_file(const fs::path& path, const std::string& then = "", bool keep_wal = false) {
  SQLite::Database c(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  c.exec("PRAGMA page_size = 16384");
  REQUIRE(c.execAndGet("PRAGMA journal_mode = WAL").getString() == "wal");
  if (keep_wal) sqlite3_db_config(c.getHandle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  if (!then.empty()) c.exec(then);
}

// The journal of a new file's first switch before its record was counted:
// the file had 0 pages before it.
std::string new_file_journal() {
  std::string header(512, '\0');
  const unsigned char start[28] = {0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7, 0, 0, 0, 0, 0x12, 0x34,
                                   0x56, 0x78, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0, 0, 0x40, 0x00};
  header.replace(0, sizeof start, reinterpret_cast<const char*>(start), sizeof start);
  return header;
}

}  // namespace

TEST_CASE("the journal of a switch of journal mode stopped midway is played back, not refused") {
  // A first ingest switches the new database to a rollback journal for its
  // load and back (storage/bulk_load.h), and opening a database in rollback
  // mode switches it to WAL: a kill -9 inside such a switch leaves this.
  testing::TempDir dir;
  const auto db = dir / "db.sqlite", journal = dir / "db.sqlite-journal";
  REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
  const std::string before = report(db);
  REQUIRE(pragma(db, "page_count") > 1);

  SUBCASE("a reader plays it back") {
    testing::write_text(journal, mode_switch_journal(db));
    const auto r = run(db, {"-v", "runs"});
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.err, "switch of journal mode"));
  }
  SUBCASE("so does the next ingest") {
    testing::write_text(journal, mode_switch_journal(db));
    const auto r = run(db, {"ingest", basic()});
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 0);
  }
  SUBCASE("its record not yet counted: SQLite plays back nothing") {
    testing::write_text(journal, mode_switch_journal(db, 0));
    CHECK(run(db, {"runs"}).exit_code == 0);
  }
  CHECK_FALSE(fs::exists(journal));
  CHECK(report(db) == before);
  SQLite::Database c(db.string(), SQLite::OPEN_READONLY);
  CHECK(c.execAndGet("PRAGMA integrity_check").getString() == "ok");
}

TEST_CASE("the journal of a new database's first switch to WAL, stopped midway: the database is new again") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite", journal = dir / "db.sqlite-journal";
  make_new_wal_file(db);
  REQUIRE(fs::file_size(db) == 16384);
  const std::string header = new_file_journal();
  testing::write_text(journal, header);
  const auto r = run(db, {"runs"});
  check_one_fatal_line(r, "no cachedb database yet");
  CHECK_FALSE(fs::exists(journal));
  CHECK(fs::file_size(db) == 0);
  REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
  CHECK_FALSE(report(db).empty());

  // A one-page file another program set (its application id): not new, refused.
  {
    const auto other = dir / "other.sqlite";
    make_new_wal_file(other, "PRAGMA application_id = 42");
    REQUIRE(fs::file_size(other) == 16384);
    testing::write_text(other.string() + "-journal", header);
    const std::string other_bytes = testing::read_text(other);
    check_one_fatal_line(run(other, {"runs"}), other.string() + "-journal: ");
    CHECK(testing::read_text(other) == other_bytes);
  }
  // Beside a database that holds something, the same journal would empty it: refused.
  testing::write_text(journal, header);
  const std::string db_bytes = testing::read_text(db);
  check_one_fatal_line(run(db, {"runs"}), journal.string() + ": ");
  CHECK(testing::read_text(db) == db_bytes);
}

TEST_CASE("a new database's journal is refused while its write-ahead log holds pages") {
  // One page in the file, the rows in the -wal: cut to nothing, the file
  // would take the -wal with it.
  testing::TempDir dir;
  const auto db = dir / "db.sqlite", journal = dir / "db.sqlite-journal";
  make_new_wal_file(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", /*keep_wal=*/true);
  REQUIRE(fs::file_size(db.string() + "-wal") > 0);
  if (fs::file_size(db) != 16384) {
    MESSAGE("skipped: SQLite wrote the table into the file itself");
    return;
  }
  testing::write_text(journal, new_file_journal());
  const std::string wal_bytes = testing::read_text(db.string() + "-wal");
  check_one_fatal_line(run(db, {"runs"}), journal.string() + ": ");
  CHECK(testing::read_text(db.string() + "-wal") == wal_bytes);
}

TEST_CASE("a journal that would change more than a switch of journal mode is refused") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite", journal = dir / "db.sqlite-journal";
  REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
  for (const auto& item : std::vector<std::pair<std::string, std::string>>{
           {"another byte of page 1", mode_switch_journal(db, 1, [](std::string& p) { p[200] ^= 1; })},
           {"the page count", mode_switch_journal(db, 1, [](std::string& p) { p[31] ^= 1; })},
           {"a second page", mode_switch_journal(db, 2)},
           {"format bytes that are no mode", mode_switch_journal(db, 1, [](std::string& p) { p[18] = p[19] = 3; })},
           {"a second segment after an uncounted first",
            [&] {
              // SQLite plays back the next segment's records: here page 2, zeroed.
              std::string j = mode_switch_journal(db, 0).substr(0, 512);
              std::string second = j;
              put32(second, 8, 1);
              std::string record(4 + 16384 + 4, '\0');
              put32(record, 0, 2);
              return j + second + record;
            }()},
           {"a super-journal name in the header's padding",
            [&] {
              // SQLite deletes the super-journal it names, after the play-back.
              std::string j = mode_switch_journal(db, 0).substr(0, 512);
              const std::string name = (dir / "victim").string();
              std::string record = std::string(4, '\0') + name;
              record += std::string(4, '\0') + std::string(4, '\0');
              put32(record, record.size() - 8, static_cast<std::uint32_t>(name.size()));
              const unsigned char magic[8] = {0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7};
              record.append(reinterpret_cast<const char*>(magic), 8);
              j.replace(512 - record.size(), record.size(), record);
              return j;
            }()}}) {
    const std::string& what = item.first;
    const std::string& bytes = item.second;
    CAPTURE(what);
    testing::write_text(journal, bytes);
    const std::string db_bytes = testing::read_text(db);
    const auto r = run(db, {"runs"});
    check_one_fatal_line(r, journal.string() + ": ");
    CHECK(contains(r.err, "rollback journal"));
    CHECK(testing::read_text(db) == db_bytes);
    CHECK(testing::read_text(journal) == bytes);
  }
  // Through a link to the database: SQLite plays back the journal beside the
  // file the link names, so that is the one looked at.
  fs::create_directory(dir / "links");
  const auto link = dir / "links" / "db.sqlite";
  fs::create_symlink(db, link);
  const std::string bytes = mode_switch_journal(db, 2);
  testing::write_text(journal, bytes);
  const std::string db_bytes = testing::read_text(db);
  for (const std::vector<std::string>& args : {std::vector<std::string>{"runs"}, {"ingest", basic()}}) {
    CAPTURE(args[0]);
    const auto r = run(link, args);
    check_one_fatal_line(r, journal.string() + ": ");
    CHECK(testing::read_text(db) == db_bytes);
    CHECK(testing::read_text(journal) == bytes);
  }
}

TEST_CASE("a new database has 16 KiB pages; one made with other pages keeps them") {
  testing::TempDir dir;
  const auto db = dir / "pages.sqlite";
  REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
  CHECK(pragma(db, "page_size") == 16384);
  // As an earlier cachedb made it: 4 KiB pages (SQLite's default).
  {
    SQLite::Database c(db.string(), SQLite::OPEN_READWRITE);
    c.exec("PRAGMA journal_mode = DELETE");
    c.exec("PRAGMA page_size = 4096");
    c.exec("VACUUM");
    c.exec("PRAGMA journal_mode = WAL");
  }
  REQUIRE(pragma(db, "page_size") == 4096);
  const std::string before = report(db);
  const auto r = run(db, {"ingest", basic()});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(pragma(db, "page_size") == 4096);
  CHECK(report(db) == before);
}

TEST_SUITE_END();
