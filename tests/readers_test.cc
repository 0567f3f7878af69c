// The people who read the database rather than write it: `cachedb runs` telling
// a killed run from a live one; readers that never get "database is locked"
// and never pay for a WAL left behind; read-only copies (a read-only mount, a
// directory without write permission) and `cachedb export`, which makes them.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_process.h"
#include "corpus.h"
#include "database_probe.h"
#include "ingest/lock.h"
#include "storage/database.h"
#include "test_support.h"

namespace fs = std::filesystem;
using testing::ChildResult;

using testing::contains;

namespace {

constexpr int kCachedbApplicationId = 0x63616368;

ChildResult run(const fs::path& db, std::vector<std::string> args, std::vector<std::string> prefix = {}) {
  std::vector<std::string> argv = prefix;
  argv.insert(argv.end(), {testing::cachedb_binary(), "--db", db.string()});
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_child(argv, 120);
}

std::string basic() { return testing::fixture("basic").string(); }

std::int64_t count(const fs::path& db, const std::string& sql) {
  // A busy timeout: the test's own look must not be refused while an ingest writes.
  SQLite::Database c(db.string(), SQLite::OPEN_READONLY, 5000);
  return c.execAndGet(sql).getInt64();
}

std::string report(const fs::path& db, std::vector<std::string> prefix = {}) {
  auto r = run(db, {"report", "--matrix", "stacks-by-target", "--format", "csv", "--totals"}, prefix);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

// The status `cachedb runs --json` gives the newest run.
std::string newest_status(const fs::path& db) {
  const auto r = run(db, {"runs", "--json", "--limit", "1"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  rapidjson::Document doc;
  doc.Parse(r.out.c_str());
  REQUIRE(!doc.HasParseError());
  REQUIRE(doc.IsArray());
  REQUIRE(doc.Size() == 1);
  return doc[0]["status"].GetString();
}

void set_newest_status(const fs::path& db, const std::string& status) {
  SQLite::Database c(db.string(), SQLite::OPEN_READWRITE, 5000);
  c.exec("UPDATE ingest_runs SET status = '" + status + "', finished_at = NULL WHERE id = (SELECT max(id) FROM "
         "ingest_runs)");
}

// Ways to run a command that sees `dir` read-only: a read-only bind mount in a
// mount namespace of its own (root), or the directory's write permission taken
// away (root then drops the capabilities that ignore it). Empty when neither
// works here.
struct ReadOnlyView {
  std::string name;
  std::vector<std::string> prefix;
};

std::vector<ReadOnlyView> read_only_views(const fs::path& dir) {
  std::vector<ReadOnlyView> views;
  const std::vector<std::string> mount = {
      "unshare", "-m", "--propagation", "private", "sh", "-c",
      "mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" && exec \"$@\"", dir.string()};
  auto probe = mount;
  probe.insert(probe.end(), {"touch", (dir / "probe").string()});
  const auto r = testing::run_child(probe, 20);
  if (r.exit_code != 0 && contains(r.err, "Read-only file system")) views.push_back({"a read-only mount", mount});
  else MESSAGE("no read-only mount here (needs root and unshare): " << r.err);
  const auto perms = testing::permission_enforcing_prefix();
  if (perms.available) views.push_back({"a directory without write permission", perms.argv});  // else it said why
  return views;
}

// For the second kind of view, the directory itself must be made read-only.
void seal(const fs::path& dir, const ReadOnlyView& view) {
  if (view.name == "a directory without write permission")
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                             fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
}

void unseal(const fs::path& dir) { fs::permissions(dir, fs::perms::owner_all); }

}  // namespace

TEST_CASE("empty_wal empties the WAL, and leaves it to the next ingest while a reader is in it") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  const fs::path wal = db.string() + "-wal";
  auto writer = cachedb::open_database(db, cachedb::OpenMode::ReadWrite);
  writer.exec("CREATE TABLE t (x)");
  writer.exec("INSERT INTO t VALUES (1)");
  REQUIRE(fs::file_size(wal) > 0);
  {
    // A reader in the middle of a read: the frames it may still read stay.
    SQLite::Database reader(db.string(), SQLite::OPEN_READONLY);
    reader.exec("BEGIN");
    REQUIRE(reader.execAndGet("SELECT count(*) FROM t").getInt() == 1);
    writer.exec("INSERT INTO t VALUES (2)");
    // Without a busy timeout: the checkpoint does not wait the reader out
    // (an ingest waits up to its timeout, 5 s), and gives up at once.
    writer.setBusyTimeout(0);
    cachedb::empty_wal(writer);  // no throw: the reader is told nothing, the writer goes on
    CHECK(fs::file_size(wal) > 0);
    CHECK(reader.execAndGet("SELECT count(*) FROM t").getInt() == 1);
    reader.exec("COMMIT");
  }
  cachedb::empty_wal(writer);
  CHECK(fs::file_size(wal) == 0);
  SQLite::Database after(db.string(), SQLite::OPEN_READONLY);
  CHECK(after.execAndGet("SELECT count(*) FROM t").getInt() == 2);
}

TEST_SUITE_BEGIN("process");

TEST_CASE("'cachedb runs' shows a killed run as interrupted, and a live one as running") {
  SUBCASE("kill -9 during a large ingest") {
    testing::TempDir dir;
    const auto db = dir / "db.sqlite";
    REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
    testing::CorpusShape shape;
    shape.packages = 3000;
    testing::write_corpus(dir / "big", shape);
    const std::int64_t last_run = count(db, "SELECT max(id) FROM ingest_runs");
    testing::Background ingest({"--db", db.string(), "ingest", (dir / "big").string()});
    const bool seen_running = testing::wait_until_running(db, ingest, last_run);
    ingest.kill9();
    if (!seen_running || count(db, "SELECT count(*) FROM ingest_runs WHERE status = 'running'") == 0) {
      MESSAGE("skipped: the ingest finished before it could be killed");
      return;
    }
    CHECK(newest_status(db) == "interrupted");
    const auto text = run(db, {"runs"});
    CHECK(contains(text.out, "interrupted"));
    CHECK_FALSE(contains(text.out, "running"));
    CHECK(contains(text.out, "the process stopped before it finished"));
    // `runs` only reads: the next ingest records it.
    CHECK(count(db, "SELECT count(*) FROM ingest_runs WHERE status = 'running'") == 1);
  }
  SUBCASE("SIGTERM or SIGINT during a large ingest: said on stderr and in the log file, then the signal ends it") {
    for (const auto& item : {std::pair{SIGTERM, "SIGTERM"}, std::pair{SIGINT, "SIGINT"}}) {
      const int sig = item.first;  // not a structured binding: clang before 16 cannot CAPTURE one
      const char* const name = item.second;
      CAPTURE(name);
      testing::TempDir dir;
      const auto db = dir / "db.sqlite", log = dir / "ingest.log";
      REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
      testing::CorpusShape shape;
      shape.packages = 3000;
      testing::write_corpus(dir / "big", shape);
      const std::int64_t last_run = count(db, "SELECT max(id) FROM ingest_runs");
      testing::Background ingest({"--db", db.string(), "ingest", "--log-file", log.string(), (dir / "big").string()});
      const bool seen_running = testing::wait_until_running(db, ingest, last_run);
      if (ingest.running()) ::kill(ingest.pid(), sig);
      const auto r = ingest.wait();
      if (!seen_running || r.exit_code == 0) {
        MESSAGE("skipped: the ingest finished before the signal came");
        continue;
      }
      INFO("stderr: " << r.err);
      CHECK(r.exit_code == -1);  // ended by the signal, as before
      const std::string said = std::string("error: ingest stopped by ") + name + " before it finished";
      CHECK(contains(r.err, said));
      const std::string logged = testing::read_text(log);
      CHECK(contains(logged, std::string("] ") + said));
      CHECK(newest_status(db) == "interrupted");
      CHECK(count(db, "SELECT count(*) FROM specs") == 7);  // nothing of it stored
    }
  }
  SUBCASE("SIGTERM once the run is committed, while the WAL waits for a reader: said so; the run is stored") {
    testing::TempDir dir;
    const auto db = dir / "db.sqlite";
    REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
    const std::int64_t last_run = count(db, "SELECT max(id) FROM ingest_runs");
    // A reader inside a read transaction: the ingest, once committed, waits
    // up to 5 s for it before it gives up emptying the WAL.
    SQLite::Database reader(db.string(), SQLite::OPEN_READONLY);
    reader.exec("BEGIN");
    REQUIRE(reader.execAndGet("SELECT count(*) FROM specs").getInt() == 7);
    testing::Background ingest({"--db", db.string(), "ingest", testing::fixture("matrix").string()});
    const auto committed = [&] {
      return count(db, fmt::format("SELECT count(*) FROM ingest_runs WHERE id > {} AND status = 'ok'", last_run)) == 1;
    };
    for (int i = 0; i < 400 && ingest.running() && !committed(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(committed());
    if (ingest.running()) ::kill(ingest.pid(), SIGTERM);
    const auto r = ingest.wait();
    reader.exec("COMMIT");
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == -1);  // ended by the signal all the same
    CHECK(contains(r.err, "error: ingest stopped by SIGTERM after its run was committed: the run is stored"));
    CHECK_FALSE(contains(r.err, "before it finished"));
    CHECK(newest_status(db) == "ok");
    CHECK(count(db, "SELECT count(*) FROM specs") > 7);
  }
  SUBCASE("the log says running: the ingest lock tells whether it is") {
    testing::TempDir dir;
    const auto db = dir / "db.sqlite";
    REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
    set_newest_status(db, "running");
    CHECK(newest_status(db) == "interrupted");
    {
      cachedb::IngestLock held(db);
      CHECK(newest_status(db) == "running");
    }
    CHECK(newest_status(db) == "interrupted");
  }
}

TEST_CASE("after an ingest the WAL is empty, even when a reader was attached as it closed") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
  testing::CorpusShape shape;
  shape.packages = 1500;
  const long rows = testing::write_corpus(dir / "big", shape);
  SQLite::Database reader(db.string(), SQLite::OPEN_READONLY);
  REQUIRE(reader.execAndGet("SELECT count(*) FROM specs").getInt64() == 7);
  const auto r = run(db, {"ingest", (dir / "big").string()});
  REQUIRE(r.exit_code == 0);
  const fs::path wal = db.string() + "-wal";
  // Else every reader that opens the database first rebuilds its index of the
  // WAL by reading all of it.
  CHECK((!fs::exists(wal) || fs::file_size(wal) == 0));
  CHECK(reader.execAndGet("SELECT count(*) FROM specs").getInt64() == 7 + rows);
}

TEST_CASE("a reader without a busy timeout is never refused while ingests start, write and close") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
  std::atomic<bool> stop{false};
  std::vector<std::string> refusals;
  long reads = 0, recoveries = 0;
  // As the sqlite3 shell reads by default: a connection of its own for each
  // query, no busy handler.
  std::thread reader([&] {
    while (!stop) {
      try {
        SQLite::Database c(db.string(), SQLite::OPEN_READONLY);
        c.execAndGet("SELECT count(*) FROM ingest_runs");
        ++reads;
      } catch (const SQLite::Exception& e) {
        // The one refusal SQLite has for any two connections, readers
        // included, opening a WAL database at the same instant: the first
        // rebuilds the shared-memory index, and the other, if it has no busy
        // handler, is told so (SQLITE_BUSY_RECOVERY). Not a lock of cachedb's.
        if (e.getExtendedErrorCode() == SQLITE_BUSY_RECOVERY) ++recoveries;
        else refusals.push_back(e.what());
      }
    }
  });
  for (int i = 0; i < 20; ++i) CHECK(run(db, {"ingest", basic()}).exit_code == 0);
  stop = true;
  reader.join();
  MESSAGE(reads << " reads during 20 ingests; " << recoveries << " met another connection's recovery");
  CHECK(reads > 0);
  INFO("first refusal: " << (refusals.empty() ? std::string() : refusals.front()));
  CHECK(refusals.size() == 0);
}

TEST_CASE("report, sql, runs and schema read a database in a read-only place") {
  testing::TempDir dir;
  const auto store = dir / "store";
  const auto db = store / "db.sqlite";
  fs::create_directories(store);
  REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
  const std::string before = report(db);
  {
    // The file alone, as a copy of it would be: no -wal, no -shm (the last
    // connection to close removes them).
    SQLite::Database close_cleanly(db.string(), SQLite::OPEN_READWRITE);
    close_cleanly.execAndGet("PRAGMA user_version");
  }
  REQUIRE_FALSE(fs::exists(db.string() + "-wal"));
  REQUIRE(testing::read_text(db).substr(18, 2) == std::string("\x02\x02", 2));  // WAL mode
  for (const auto& view : read_only_views(store)) {
    CAPTURE(view.name);
    seal(store, view);
    CHECK(report(db, view.prefix) == before);
    const auto sql = run(db, {"sql", "SELECT count(*) AS n FROM specs", "--format", "csv"}, view.prefix);
    INFO("sql stderr: " << sql.err);
    CHECK(sql.exit_code == 0);
    CHECK(sql.out == "n\r\n7\r\n");
    const auto runs = run(db, {"runs"}, view.prefix);
    INFO("runs stderr: " << runs.err);
    CHECK(runs.exit_code == 0);
    CHECK(contains(runs.out, "ok"));
    const auto schema = run(db, {"schema"}, view.prefix);
    CHECK(schema.exit_code == 0);
    CHECK(contains(schema.out, "specs"));
    // An ingest cannot write there, and says so.
    const auto ingest = run(db, {"ingest", basic()}, view.prefix);
    CHECK(ingest.exit_code == 1);
    CHECK(contains(ingest.err, "read-only"));
    unseal(store);
  }
  CHECK_FALSE(fs::exists(db.string() + "-wal"));
  CHECK(report(db) == before);
}

TEST_CASE("cachedb export stopped by a signal leaves no half-written copy behind") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  testing::CorpusShape shape;
  shape.packages = 3000;
  testing::write_corpus(dir / "big", shape);
  REQUIRE(run(db, {"ingest", (dir / "big").string()}).exit_code == 0);
  const auto shelf = dir / "shelf";
  fs::create_directories(shelf);
  for (const int sig : {SIGTERM, SIGINT, SIGHUP}) {
    CAPTURE(sig);
    testing::Background exporting({"--db", db.string(), "export", (shelf / "copy.sqlite").string()});
    const fs::path partial = shelf / fmt::format(".copy.sqlite.partial-{}", exporting.pid());
    for (int i = 0; i < 1000 && exporting.running() && !fs::exists(partial); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const bool caught = exporting.running() && fs::exists(partial);
    if (caught) ::kill(exporting.pid(), sig);
    const auto r = exporting.wait();
    if (!caught || r.exit_code == 0) {
      MESSAGE("skipped: the export finished before the signal came");
      fs::remove(shelf / "copy.sqlite");
      continue;
    }
    CHECK(r.exit_code == -1);  // ended by the signal
    CHECK(fs::is_empty(shelf));
  }
}

TEST_CASE("cachedb export removes the copies that exports killed with SIGKILL left, and no other") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
  const auto shelf = dir / "shelf";
  fs::create_directories(shelf);
  // Pids no process has: children's, once they have been waited for.
  auto gone_pid = [] {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) _exit(0);
    REQUIRE(waitpid(pid, nullptr, 0) == pid);
    return pid;
  };
  const pid_t killed = gone_pid(), killed_now = gone_pid();
  auto leftover = [&](const std::string& name, bool an_hour_ago = true) {
    testing::write_text(shelf / name, "half a copy");
    if (an_hour_ago) fs::last_write_time(shelf / name, fs::file_time_type::clock::now() - std::chrono::hours(1));
    return shelf / name;
  };
  const auto copy = leftover(fmt::format(".copy.sqlite.partial-{}", killed));
  const auto journal = leftover(fmt::format(".copy.sqlite.partial-{}-journal", killed));
  // Kept: one written a moment ago (on a shared file system, another host's
  // running export has a pid that means nothing here), a live process's,
  // another target's, and a name that only looks alike.
  const std::vector<fs::path> kept{
      leftover(fmt::format(".copy.sqlite.partial-{}", killed_now), false),
      leftover(fmt::format(".copy.sqlite.partial-{}", getpid())),
      leftover(fmt::format(".other.sqlite.partial-{}", killed)),
      leftover(fmt::format(".copy.sqlite.partial-{}x", killed)),
  };

  const auto r = run(db, {"-v", "export", (shelf / "copy.sqlite").string()});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_FALSE(fs::exists(copy));
  CHECK_FALSE(fs::exists(journal));
  CHECK(contains(r.err, fmt::format("removed the partial copy of an export stopped by SIGKILL (pid {})", killed)));
  for (const auto& file : kept) CHECK_MESSAGE(fs::exists(file), file);
  CHECK(fs::exists(shelf / "copy.sqlite"));
}

TEST_CASE("cachedb export: a compact, analyzed copy in rollback-journal mode that any reader opens read-only") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
  testing::CorpusShape shape;
  shape.packages = 1500;
  testing::write_corpus(dir / "big", shape);
  const std::string small_report = report(db);
  const auto shelf = dir / "shelf";
  fs::create_directories(shelf);
  const auto copy = shelf / "cachedb-copy.sqlite";

  // Taken while an ingest writes: the copy is the database before the run or after it.
  {
    testing::Background ingest({"--db", db.string(), "ingest", (dir / "big").string()});
    const auto r = run(db, {"export", copy.string()});
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(ingest.wait().exit_code == 0);
  }
  const std::string big_report = report(db);
  const std::string copied = report(copy);
  CHECK((copied == small_report || copied == big_report));
  {
    SQLite::Database c(copy.string(), SQLite::OPEN_READONLY);
    CHECK(c.execAndGet("PRAGMA integrity_check").getString() == "ok");
    CHECK(c.execAndGet("PRAGMA journal_mode").getString() == "delete");
    CHECK(c.execAndGet("PRAGMA freelist_count").getInt() == 0);
    CHECK(c.execAndGet("PRAGMA application_id").getInt() == kCachedbApplicationId);
    CHECK(c.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").getInt() == 1);
  }
  CHECK(testing::read_text(copy).substr(18, 2) == std::string("\x01\x01", 2));

  // An existing file is replaced only when asked.
  const auto again = run(db, {"export", copy.string()});
  CHECK(again.exit_code == 1);
  CHECK(contains(again.err, "already exists"));
  CHECK(report(copy) == copied);
  REQUIRE(run(db, {"export", "--force", copy.string()}).exit_code == 0);
  CHECK(report(copy) == big_report);
  for (const auto& leftover : fs::directory_iterator(shelf)) CHECK(leftover.path() == copy);

  const bool have_sqlite3 = std::system("command -v sqlite3 >/dev/null 2>&1") == 0;
  const bool have_python = std::system("python3 -c 'import sqlite3' >/dev/null 2>&1") == 0;
  const std::string specs = std::to_string(count(db, "SELECT count(*) FROM specs"));
  for (const auto& view : read_only_views(shelf)) {
    CAPTURE(view.name);
    seal(shelf, view);
    CHECK(report(copy, view.prefix) == big_report);
    if (have_sqlite3) {
      auto argv = view.prefix;
      argv.insert(argv.end(), {"sqlite3", "-readonly", copy.string(), "SELECT count(*) FROM specs"});
      const auto r = testing::run_child(argv, 60);
      INFO("sqlite3: " << r.err);
      CHECK(r.exit_code == 0);
      CHECK(r.out == specs + "\n");
    }
    if (have_python) {
      auto argv = view.prefix;
      argv.insert(argv.end(), {"python3", "-c",
                               "import sqlite3, sys\n"
                               "db = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)\n"
                               "print(db.execute('SELECT count(*) FROM specs').fetchone()[0])\n",
                               copy.string()});
      const auto r = testing::run_child(argv, 60);
      INFO("python: " << r.err);
      CHECK(r.exit_code == 0);
      CHECK(r.out == specs + "\n");
    }
    unseal(shelf);
  }
  for (const auto& leftover : fs::directory_iterator(shelf)) CHECK(leftover.path() == copy);
}

TEST_SUITE_END();
