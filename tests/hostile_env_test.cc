// A hostile environment for the database: the path is a directory, is not a
// SQLite file, is read-only (the file, or its directory), sits on a full disk,
// or is locked by another writer; or the process runs out of file descriptors
// while it walks the tree. Each gives one clear error line, exit status 1, and
// leaves the database as it was: the integrity check passes and the report is
// unchanged.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <SQLiteCpp/Database.h>

#include "child_process.h"
#include "formats/spack_index/sha256.h"
#include "index_builder.h"
#include "page_builder.h"
#include "test_support.h"

namespace fs = std::filesystem;
using testing::ChildResult;

using testing::contains;
using testing::lines;

namespace {

ChildResult run_cachedb(const fs::path& db, std::vector<std::string> args, std::vector<std::string> prefix = {}) {
  std::vector<std::string> argv = prefix;
  argv.insert(argv.end(), {testing::cachedb_binary(), "--db", db.string()});
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_child(argv, 60);
}

// What must not change: the report, the integrity check, the number of specs.
struct DbState {
  std::string report, integrity;
  int specs = -1;
  bool operator==(const DbState&) const = default;
};

DbState state_of(const fs::path& db) {
  DbState s;
  s.report = run_cachedb(db, {"report", "--matrix", "stacks-by-target", "--format", "csv", "--totals"}).out;
  SQLite::Database conn(db.string(), SQLite::OPEN_READONLY);
  s.integrity = conn.execAndGet("PRAGMA integrity_check").getString();
  s.specs = conn.execAndGet("SELECT count(*) FROM specs").getInt();
  return s;
}

std::string page(const std::string& package, int specs, const std::string& stack = "e4s") {
  testing::CachePage page("develop", package);
  for (int i = 0; i < specs; ++i)
    page.spec(std::move(testing::SpecEntry(package + std::to_string(i))
                            .target(fmt::format("t{}", i % 7))
                            .variants({fmt::format("+v{}", i)})
                            .stacks({stack})));
  return page.text();
}

// A database with two pages in it, and a third page to try to add.
struct Fixture {
  testing::TempDir dir;
  fs::path db = dir / "store" / "db.sqlite";
  fs::path next = dir / "next.md";
  DbState before;
  Fixture() {
    fs::create_directories(db.parent_path());
    testing::write_text(dir / "tree" / "a.md", page("a", 20));
    testing::write_text(dir / "tree" / "b.md", page("b", 5, "tutorial"));
    testing::write_text(next, page("c", 3000));
    REQUIRE(run_cachedb(db, {"ingest", (dir / "tree").string()}).exit_code == 0);
    before = state_of(db);
    REQUIRE(before.integrity == "ok");
    REQUIRE(before.specs == 25);
  }
};

}  // namespace

// Every test here runs the cachedb binary or other processes.
TEST_SUITE_BEGIN("process");

TEST_CASE("the database path is a directory") {
  testing::TempDir dir;
  check_one_fatal_line(run_cachedb(dir.path(), {"ingest", testing::fixture("basic").string()}),
                       dir.path().string() + ": is a directory, not a database file");
  check_one_fatal_line(run_cachedb(dir.path(), {"report", "--matrix", "stacks-by-target"}),
                       "is a directory, not a database file");
}

TEST_CASE("the database path is not a SQLite file, and stays as it was") {
  testing::TempDir dir;
  const auto db = dir / "notes.txt";
  std::string text;
  for (int i = 0; i < 200; ++i) text += "line " + std::to_string(i) + " of someone's notes, not a database\n";
  testing::write_text(db, text);
  check_one_fatal_line(run_cachedb(db, {"ingest", testing::fixture("basic").string()}),
                       db.string() + ": cannot open database: file is not a database");
  check_one_fatal_line(run_cachedb(db, {"report", "--matrix", "stacks-by-target"}), "file is not a database");
  CHECK(testing::read_text(db) == text);
  CHECK_FALSE(fs::exists(db.string() + "-wal"));
}

TEST_CASE("a read-only database file, or a read-only directory, is refused and left intact") {
  const auto prefix = testing::permission_enforcing_prefix();
  if (!prefix.available) return;
  Fixture f;
  SUBCASE("the file is read-only") {
    fs::permissions(f.db, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    check_one_fatal_line(run_cachedb(f.db, {"ingest", f.next.string()}, prefix.argv), f.db.string() + ": ");
    auto r = run_cachedb(f.db, {"ingest", f.next.string()}, prefix.argv);
    CHECK(contains(r.err, "read-only"));
    // Reading still works.
    auto report = run_cachedb(f.db, {"report", "--matrix", "stacks-by-target", "--format", "csv", "--totals"},
                          prefix.argv);
    CHECK(report.exit_code == 0);
    CHECK(report.out == f.before.report);
  }
  SUBCASE("the directory is read-only") {
    // With no -wal or -shm file (the last writer to close removes them) the
    // database cannot journal a write. (Were they there and writable, writing
    // would work, rightly.)
    {
      SQLite::Database close_cleanly(f.db.string(), SQLite::OPEN_READWRITE);
      close_cleanly.execAndGet("PRAGMA user_version");  // (connections open lazily)
    }
    REQUIRE_FALSE(fs::exists(f.db.string() + "-wal"));
    fs::permissions(f.db.parent_path(), fs::perms::owner_read | fs::perms::owner_exec);
    auto r = run_cachedb(f.db, {"ingest", f.next.string()}, prefix.argv);
    check_one_fatal_line(r, f.db.string() + ": ");
    CHECK(contains(r.err, "read-only"));
  }
  fs::permissions(f.db.parent_path(), fs::perms::owner_all);
  fs::permissions(f.db, fs::perms::owner_read | fs::perms::owner_write);
  CHECK(state_of(f.db) == f.before);
}

TEST_CASE("a full disk (a file-size limit) rolls the whole ingest back") {
  Fixture f;
  // Writes past the limit fail with EFBIG, as they would with ENOSPC on a full
  // disk; the database file itself is already larger than the limit allows to
  // grow, so the new page's writes (to the WAL) are what fail.
  const auto limit = fs::file_size(f.db) + 64 * 1024;
  auto r = run_cachedb(f.db, {"ingest", f.next.string()}, {"prlimit", "--fsize=" + std::to_string(limit), "--"});
  check_one_fatal_line(r, f.db.string() + ": ingest failed, nothing was changed: ");
  INFO("stderr: " << r.err);
  CHECK((contains(r.err, "no room left to write") || contains(r.err, "could not write to the disk")));
  CHECK(r.signal == 0);  // not killed by SIGXFSZ
  CHECK(state_of(f.db) == f.before);
  // With room again, the same page goes in.
  CHECK(run_cachedb(f.db, {"ingest", f.next.string()}).exit_code == 0);
  CHECK(state_of(f.db).specs == 3025);
}

TEST_CASE("stdin, stdout or stderr left closed: nothing is written into the database, and the run's status stands") {
  Fixture f;
  // sh runs cachedb with a descriptor closed, as a cron line ending in 2>&-
  // does: the database must not be opened as that descriptor and logged into.
  auto closed = [](const char* redirect) {
    return std::vector<std::string>{"sh", "-c", fmt::format("exec \"$@\" {}", redirect), "sh"};
  };
  ChildResult r = run_cachedb(f.db, {"ingest", f.next.string()}, closed("2>&-"));
  CHECK(r.exit_code == 0);
  DbState after = state_of(f.db);
  CHECK(after.integrity == "ok");
  CHECK(after.specs == 3025);

  // A rejected page, -q: its one error line is what would have gone there.
  testing::write_text(f.dir / "bad.md", testing::CachePage("develop", "bad").details("[{]").text());
  r = run_cachedb(f.db, {"-q", "ingest", (f.dir / "bad.md").string()}, closed("2>&-"));
  CHECK(r.exit_code == 2);
  CHECK(state_of(f.db) == after);

  // The summary asked for on a closed stdout: not written, and not into the database.
  r = run_cachedb(f.db, {"ingest", "--json", f.next.string()}, closed(">&- 2>&-"));
  CHECK(r.exit_code == 1);
  CHECK(state_of(f.db) == after);
  r = run_cachedb(f.db, {"ingest", f.next.string()}, closed("<&- >&- 2>&-"));
  CHECK(r.exit_code == 0);
  CHECK(state_of(f.db) == after);
  CHECK(run_cachedb(f.db, {"sql", "SELECT count(*) FROM specs"}, closed(">&-")).exit_code == 1);
}

TEST_CASE("no thread can be started (ulimit -u): the run fails, says why, and nothing is stored") {
  if (std::system("command -v prlimit >/dev/null 2>&1") != 0) {
    MESSAGE("skipped: prlimit is not installed");
    return;
  }
  // RLIMIT_NPROC counts the threads of every process of the user, and root is
  // exempt from it: as root, cachedb runs as nobody, in a directory it may write.
  std::vector<std::string> prefix;
  if (geteuid() == 0) prefix = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  Fixture f;
  fs::permissions(f.dir.path(), fs::perms::all);
  const fs::path db = f.dir / "as_nobody.sqlite";
  fs::permissions(f.dir / "tree", fs::perms::all);
  // Runs, reads the tree and writes the database's directory (a temporary
  // directory under one nobody may not enter would fail the run otherwise).
  if (run_cachedb(db, {"check", (f.dir / "tree").string()}, prefix).exit_code != 0 ||
      run_cachedb(db, {"ingest", (f.dir / "tree").string()}, prefix).exit_code != 0) {
    MESSAGE("skipped: cachedb cannot run as nobody here (setpriv missing, or a directory nobody cannot enter)");
    return;
  }
  prefix.insert(prefix.end(), {"prlimit", "--nproc=1", "--"});
  // A new page to ingest, and the tree to check.
  for (const auto& args : {std::vector<std::string>{"ingest", f.next.string()},
                           std::vector<std::string>{"check", (f.dir / "tree").string()}}) {
    const ChildResult r = run_cachedb(db, args, prefix);
    INFO(args.front() << ": " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "cannot start a thread to read the files: Resource temporarily unavailable"));
    CHECK(contains(r.err, "ulimit -u"));
    CHECK_FALSE(contains(r.err, "unexpected failure"));
  }
  SQLite::Database conn(db.string(), SQLite::OPEN_READONLY);
  CHECK(conn.execAndGet("SELECT count(*) FROM specs").getInt() == 25);  // the tree's, from before
  CHECK(conn.execAndGet("SELECT status FROM ingest_runs ORDER BY id DESC LIMIT 1").getString() == "failed");
}

TEST_CASE("a result that cannot be written to stdout: exit 1, and stderr says why") {
  Fixture f;
  const std::vector<std::string> closed_stdout{"sh", "-c", "exec \"$@\" >&-", "sh"};
  const std::vector<std::vector<std::string>> commands{
      {"report", "--matrix", "stacks-by-target"}, {"report", "--list"}, {"runs"}, {"schema"},
      {"sql", "SELECT count(*) FROM specs"},      {"values", "os"},     {"list"}};
  for (const auto& args : commands) {
    const ChildResult r = run_cachedb(f.db, args, closed_stdout);
    INFO(args.front() << ": " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "could not write"));
    CHECK(contains(r.err, "to stdout: Bad file descriptor"));
  }
  // The summary of a committed run: the run is stored, and stderr says so.
  const ChildResult r = run_cachedb(f.db, {"-q", "ingest", "--json", f.next.string()}, closed_stdout);
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "could not write the --json summary to stdout: Bad file descriptor; the run is committed"));
  CHECK(state_of(f.db).specs == 3025);
}

TEST_CASE("a database locked by another writer: a clear message within a bounded time" * doctest::test_suite("stress")) {
  Fixture f;
  if (std::system("command -v sqlite3 >/dev/null 2>&1") != 0) {
    MESSAGE("skipped: the sqlite3 shell is not installed");
    return;
  }
  // A sqlite3 shell holding a write transaction open, fed through a pipe.
  int in[2], out[2];
  REQUIRE(pipe2(in, O_CLOEXEC) == 0);
  REQUIRE(pipe2(out, O_CLOEXEC) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    execlp("sqlite3", "sqlite3", f.db.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  const std::string script = "BEGIN EXCLUSIVE;\nDELETE FROM release_spec;\nSELECT 'locked';\n";
  REQUIRE(write(in[1], script.data(), script.size()) == static_cast<ssize_t>(script.size()));
  std::string said;
  char buf[256];
  while (!contains(said, "locked")) {
    const ssize_t n = read(out[0], buf, sizeof buf);
    REQUIRE(n > 0);
    said.append(buf, static_cast<std::size_t>(n));
  }

  auto r = run_cachedb(f.db, {"ingest", f.next.string()});
  check_one_fatal_line(r, f.db.string() + ": ");
  CHECK(contains(r.err, "locked"));
  CHECK(r.seconds < 20);

  close(in[1]);  // end of input: the shell exits, its transaction rolled back
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(state_of(f.db) == f.before);
}

namespace {

// A chain of `depth` nested directories under `root`, each with more entries
// than a loading job takes (64, kJobFiles in src/ingest/file_source.cc: so
// that the walk keeps it open while it walks what is below it), each entry of
// them `entry(level, i)`: past the file descriptor limit, an open fails part
// way down.
template <typename Entry>
void deep_tree(const fs::path& root, int depth, Entry entry) {
  fs::path level = root;
  for (int i = 0; i < depth; ++i) {
    for (int e = 0; e < 65; ++e) entry(level, e);
    level /= "next";
  }
  fs::create_directories(level);
}

// A command prefix that runs a child on one CPU, with at most `descriptors`
// file descriptors. On one CPU: each loading thread opens the database too (to
// recognize unchanged pages), and on a host with many cores those connections
// alone would take every descriptor before the walk starts; with one thread,
// too, the walk's order, and so which open fails, is fixed.
std::vector<std::string> short_of_descriptors(int descriptors, const fs::path& scratch) {
  const int cpu = testing::first_allowed_cpu();
  std::vector<std::string> prefix;
  if (const char* ubsan = std::getenv("UBSAN_OPTIONS")) {
    // Under scripts/sanitize.sh: UBSan checks a virtual call (a shared_ptr's
    // release, say) by probing memory through a pipe(2), which a process out of
    // descriptors cannot make, and then reports the call as an error. That
    // check alone is turned off for this child; the suppressions in force stay.
    const std::string options = ubsan;
    std::string suppressions;
    if (const auto at = options.find("suppressions="); at != std::string::npos) {
      const auto begin = at + std::string("suppressions=").size();
      suppressions = testing::read_text(options.substr(begin, options.find(':', begin) - begin));
    }
    const fs::path file = scratch / "ubsan-without-vptr.supp";
    testing::write_text(file, suppressions + "\nvptr:*\n");
    prefix = {"env", "UBSAN_OPTIONS=" + options + ":suppressions=" + file.string()};
  }
  prefix.insert(prefix.end(), {"taskset", "-c", std::to_string(cpu), "prlimit",
                               "--nofile=" + std::to_string(descriptors), "--"});
  return prefix;
}

// The site's listing at `listing` of one release's `indexes` stack indexes
// under `bucket`, each of `specs` records over `packages` packages (with its
// index.json.hash when `hashed`).
void write_listing(const fs::path& listing, const fs::path& bucket, int indexes, int specs, int packages,
                   bool hashed) {
  std::string entries;
  for (int k = 0; k < indexes; ++k) {
    std::vector<testing::IndexSpec> records;
    for (int i = 0; i < specs; ++i)
      records.push_back(
          {.hash = testing::dag_hash(fmt::format("k{}s{}", k, i)), .package = fmt::format("p{}", i % packages)});
    const std::string rel = fmt::format("r/s{}/build_cache/index.json", k);
    testing::write_text(bucket / rel, testing::index_json(records));
    if (hashed) testing::write_text(bucket / (rel + ".hash"), cachedb::spack_index::sha256_file(bucket / rel).sha256);
    entries += fmt::format(R"({}{{"label": "s{}", "url": "s3://spack-binaries/{}"}})", k ? ", " : "", k, rel);
  }
  testing::write_text(listing, fmt::format(R"({{"r": [{}]}})", entries));
}

std::string last_run(const fs::path& db, const std::string& column) {
  SQLite::Database conn(db.string(), SQLite::OPEN_READONLY);
  return conn.execAndGet("SELECT " + column + " FROM ingest_runs ORDER BY id DESC LIMIT 1").getString();
}

}  // namespace

TEST_CASE("running out of file descriptors while walking fails the run: nothing stored, the run logged as failed" * doctest::test_suite("stress")) {
  Fixture f;
  // A new page, then directories that hold none.
  const fs::path tree = f.dir / "deep";
  testing::write_text(tree / "new.md", page("deep", 3));
  deep_tree(tree, 100, [](const fs::path& level, int e) {
    fs::create_directories(level / ("empty" + std::to_string(e)));
  });
  // Far fewer descriptors than the walk holds open in the chain, enough to
  // open the database: a directory's open fails with EMFILE part way down.
  const auto limit = short_of_descriptors(64, f.dir.path());

  auto r = run_cachedb(f.db, {"ingest", tree.string()}, limit);
  INFO("stderr: " << r.err);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 1);  // not 0: the run did not see the whole tree
  CHECK(contains(r.err, f.db.string() + ": ingest failed, nothing was changed: " + tree.string() + "/next/"));
  CHECK(contains(r.err, ": cannot read directory: Too many open files"));
  CHECK_FALSE(contains(r.err, "passed over"));
  CHECK(r.out.empty());
  CHECK(state_of(f.db) == f.before);  // new.md, read before the failure, was not stored
  CHECK(last_run(f.db, "status") == "failed");
  const std::string message = last_run(f.db, "message");
  CHECK(contains(message, tree.string() + "/next/"));
  CHECK(contains(message, "Too many open files"));

  // `check` fails the same way: an incomplete check is not a good tree.
  auto c = run_cachedb(f.db, {"check", tree.string()}, limit);
  INFO("check's stderr: " << c.err);
  CHECK(c.exit_code == 1);
  CHECK(contains(c.err, tree.string() + "/next/"));
  CHECK(contains(c.err, ": cannot read directory: Too many open files"));
  CHECK_FALSE(contains(c.err, "passed over"));

  // With descriptors enough, the same tree goes in.
  CHECK(run_cachedb(f.db, {"ingest", tree.string()}).exit_code == 0);
  CHECK(state_of(f.db).specs == 28);
}

TEST_CASE("out of file descriptors while indexes are read fails the run: no index is rejected for it") {
  testing::TempDir dir;
  const fs::path bucket = dir / "bucket", listing = dir / "cache_spack_io_index.json";
  constexpr int kIndexes = 8;
  write_listing(listing, bucket, kIndexes, 20, 20, true);

  // From too few descriptors to open the database up to enough for the run:
  // each limit fails the run (exit 1, nothing stored) or reads every index.
  bool index_failed = false, done = false;
  for (int n = 6; n <= 64 && !done; ++n) {
    CAPTURE(n);
    const fs::path db = dir / fmt::format("db{}.sqlite", n);
    const auto r = run_cachedb(db, {"ingest", "--listing", listing.string(), "--mirror-root", bucket.string()},
                           short_of_descriptors(n, dir.path()));
    INFO("stderr: " << r.err);
    REQUIRE_FALSE(r.timed_out);
    CHECK((r.exit_code == 0 || r.exit_code == 1));
    CHECK_FALSE(contains(r.err, "read unchecked"));  // an index.json.hash that could not be opened is no empty one
    if (r.exit_code == 1) {
      if (contains(r.err, "index.json") && contains(r.err, "Too many open files")) index_failed = true;
      if (fs::exists(db)) {  // made before the failure, or not even that: no spec stored
        SQLite::Database conn(db.string(), SQLite::OPEN_READONLY);
        if (conn.tableExists("spec")) CHECK(conn.execAndGet("SELECT count(*) FROM spec").getInt() == 0);
      }
    } else {
      done = true;
      CHECK(contains(r.err, fmt::format("indexes {} added, 0 updated, 0 unchanged, 0 rejected", kIndexes)));
    }
  }
  CHECK(index_failed);
  CHECK(done);
}

TEST_CASE("under a limit on the address space (ulimit -v 128 MiB), index and page runs pass") {
  if (testing::kSanitized) {
    MESSAGE("skipped under sanitizers: their shadow memory needs terabytes of addresses");
    return;
  }
  testing::TempDir dir;
  const fs::path bucket = dir / "bucket", listing = dir / "cache_spack_io_index.json";
  constexpr int kIndexes = 8;
  write_listing(listing, bucket, kIndexes, 2000, 97, false);
  for (int p = 0; p < 40; ++p)
    testing::write_text(dir / "tree" / fmt::format("p{}.md", p), page(fmt::format("p{}", p), p % 8 ? 200 : 4000));
  // glibc reserved 64 MiB of addresses for each thread's arena: about half
  // of these runs failed "out of memory", with 30 MB resident; and 8 MiB for
  // each thread's stack, which sixteen loading threads (a 16-core node) spent.
  const std::vector<std::string> limit{"prlimit", "--as=" + std::to_string(128 << 20), "--"};
  for (int run = 0; run < 8; ++run) {
    CAPTURE(run);
    const fs::path db = dir / fmt::format("db{}.sqlite", run);
    auto r = run_cachedb(db, {"ingest", "--listing", listing.string(), "--mirror-root", bucket.string()}, limit);
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.err, fmt::format("indexes {} added, 0 updated, 0 unchanged, 0 rejected", kIndexes)));
    r = run_cachedb(dir / fmt::format("pages{}.sqlite", run), {"ingest", "--threads", "16", (dir / "tree").string()},
                    limit);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.err, "pages 40 added"));
  }
}

TEST_CASE("a page that cannot be opened for want of file descriptors fails the check, naming the page") {
  testing::TempDir dir;
  const fs::path tree = dir / "deep";
  // Pages sorted before the next level: the walk opens them one by one while
  // it holds the levels above open, so that past the limit a page's open fails.
  deep_tree(tree, 100, [](const fs::path& level, int e) {
    std::string name = "a";  // (appended: GCC 12 warns falsely (-Wrestrict) on "a" + to_string(e))
    name += std::to_string(10 + e);
    name += ".md";
    testing::write_text(level / name, page(name, 1));
  });
  auto r = run_cachedb(dir / "unused.sqlite", {"check", tree.string()}, short_of_descriptors(64, dir.path()));
  INFO("stderr: " << r.err);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "error: " + tree.string() + "/next/"));
  CHECK(contains(r.err, ".md: cannot open: Too many open files"));
  CHECK_FALSE(contains(r.err, "passed over"));
}

TEST_SUITE_END();
