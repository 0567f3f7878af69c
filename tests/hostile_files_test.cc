// Hostile files and trees, through the cachedb binary: a 100 MB line, the page
// size limit, symlink loops, FIFOs, unreadable files, awkward file names, SQL
// in arguments. Every run must end (a deadline turns a hang into a failure),
// and every rejection names its file.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <sys/stat.h>

#include <SQLiteCpp/Database.h>

#include "child_process.h"
#include "page_builder.h"
#include "test_support.h"

namespace fs = std::filesystem;
using testing::ChildResult;

using testing::contains;

namespace {

std::string page_for(const std::string& package, const std::string& hash, const std::string& release = "develop") {
  return testing::CachePage(release, package).spec(testing::SpecEntry(hash)).text();
}

const std::string kGoodPage = page_for("zlib", "h1");

ChildResult cachedb(const fs::path& db, std::vector<std::string> args, int timeout = 60) {
  std::vector<std::string> argv = {testing::cachedb_binary(), "--db", db.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_child(argv, timeout);
}

// As cachedb(), run as a job that permissions apply to (see
// testing::permission_enforcing_prefix()).
ChildResult cachedb_as(const testing::PermissionPrefix& prefix, const fs::path& db, std::vector<std::string> args) {
  std::vector<std::string> argv = prefix.argv;
  argv.insert(argv.end(), {testing::cachedb_binary(), "--db", db.string()});
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_child(argv, 30);
}

}  // namespace

TEST_CASE("a 100 MB single line is rejected with the file, the line and the limit" * doctest::test_suite("stress")) {
  testing::TempDir dir;
  const auto path = dir / "tree" / "specs.md";
  fs::create_directories(path.parent_path());
  {
    // A spec_details line of 100 MB: one spec whose hash is nearly all of it.
    std::ofstream out(path, std::ios::binary);
    out << "---\ntitle: zlib\nlayout: cache\ncategories: [package, develop]\nspec_details: [{\"hash\": \"";
    const std::string chunk(1 << 20, 'a');
    for (int i = 0; i < 100; ++i) out << chunk;
    out << "\", \"os\": \"o\", \"platform\": \"l\", \"target\": \"t\", \"stacks\": []}]\n---\n";
  }
  // Over the default page limit (96 MiB): read with the limit raised.
  auto r = cachedb(dir / "db.sqlite", {"ingest", "--max-page-bytes", "268435456", (dir / "tree").string()});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, path.string() + ":5: spec_details[0]: 'hash' is 104857600 bytes, over the 128-byte limit"));
  CHECK(r.seconds < 30);
  // Read in place, the page is held once: within the 256 MB bound for one
  // input, even where every allocation is filled as it is made (MALLOC_PERTURB_, as meson test sets).
  MESSAGE("peak RSS " << r.max_rss_kb / 1024 << " MiB");
  if (!testing::kSanitized) CHECK(r.max_rss_kb < 256'000'000 / 1024);

  // With a page limit below the file's size it is rejected before being read.
  auto limited = cachedb(dir / "db.sqlite", {"ingest", "--max-page-bytes", "1000000", path.string()});
  CHECK(limited.exit_code == 2);
  CHECK(contains(limited.err, path.string() + ": file is " + std::to_string(fs::file_size(path)) +
                                  " bytes, over the 1000000-byte page limit"));
  // So it is with the default limit, 96 MiB.
  auto by_default = cachedb(dir / "db.sqlite", {"ingest", path.string()});
  CHECK(by_default.exit_code == 2);
  CHECK(contains(by_default.err, " bytes, over the 100663296-byte page limit"));

  // A 100 MB line that is not front matter at all: skipped, not a cache page.
  std::ofstream(dir / "plain.md", std::ios::binary) << std::string(100 << 20, 'x');
  auto plain = cachedb(dir / "db.sqlite", {"-v", "ingest", "--max-page-bytes", "268435456", (dir / "plain.md").string()});
  CHECK(plain.exit_code == 0);
  CHECK(contains(plain.err, "1 skipped"));
}

TEST_CASE("--max-page-bytes: the default is 96 MiB; zero, garbage and more than 4 GiB are usage errors") {
  auto help = testing::run_child({testing::cachedb_binary(), "ingest", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(contains(help.out, "--max-page-bytes"));
  CHECK(contains(help.out, "100663296"));
  CHECK(contains(help.out, "(at most 4294967295)"));
  testing::TempDir dir;
  testing::write_text(dir / "p.md", kGoodPage);
  CHECK(cachedb(dir / "db.sqlite", {"ingest", "--max-page-bytes", "0", (dir / "p.md").string()}).exit_code == 64);
  CHECK(cachedb(dir / "db.sqlite", {"ingest", "--max-page-bytes", "lots", (dir / "p.md").string()}).exit_code == 64);
  CHECK(cachedb(dir / "db.sqlite", {"ingest", "--max-page-bytes", "4096", (dir / "p.md").string()}).exit_code == 0);
  // A page's texts are kept as 32-bit offsets into it: 4 GiB less a byte is the most.
  CHECK(cachedb(dir / "db.sqlite", {"check", "--max-page-bytes", "4294967295", (dir / "p.md").string()}).exit_code == 0);
  CHECK(cachedb(dir / "db.sqlite", {"check", "--max-page-bytes", "4294967296", (dir / "p.md").string()}).exit_code == 64);
}

TEST_CASE("a tree with symlink loops and a FIFO is walked to the end; they are passed over with a warning") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  testing::write_text(tree / "develop" / "zlib" / "specs.md", kGoodPage);
  fs::create_directory_symlink("..", tree / "develop" / "zlib" / "up");      // a directory loop
  fs::create_symlink("self.md", tree / "self.md");                          // a link to itself
  fs::create_symlink("b.md", tree / "a.md");                                 // a two-link loop
  fs::create_symlink("a.md", tree / "b.md");
  fs::create_symlink("nowhere.md", tree / "dangling.md");
  REQUIRE(mkfifo((tree / "fifo.md").c_str(), 0644) == 0);                    // opening it would block

  auto r = cachedb(dir / "db.sqlite", {"ingest", tree.string()}, 30);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  for (const char* name : {"self.md", "a.md", "b.md", "dangling.md", "fifo.md"}) {
    INFO(name);
    CHECK(contains(r.err, (tree / name).string() + ": passed over"));
  }
  CHECK(contains(r.err, "fifo.md: passed over: not a regular file"));
  SQLite::Database db((dir / "db.sqlite").string());
  CHECK(db.execAndGet("SELECT count(*) FROM specs").getInt() == 1);

  // A FIFO named on the command line is passed over too, never opened.
  auto direct = cachedb(dir / "db.sqlite", {"ingest", (tree / "fifo.md").string()}, 30);
  CHECK_FALSE(direct.timed_out);
  CHECK(direct.exit_code == 0);
  CHECK(contains(direct.err, "fifo.md: passed over"));

  // A link to nowhere, or a loop, named on the command line is an input not
  // there: the run fails (exit 1), saying which it is.
  for (const auto& link : {std::pair{"dangling.md", "a symbolic link to nothing"},
                           std::pair{"a.md", "too many levels of symbolic links"}}) {
    const std::string name = link.first, why = link.second;
    CAPTURE(name);
    auto given = cachedb(dir / "db.sqlite", {"ingest", (tree / name).string(), tree.string()}, 30);
    CHECK(given.exit_code == 1);
    CHECK(contains(given.err, (tree / name).string() + ": " + why));
  }
  CHECK(db.execAndGet("SELECT count(*) FROM specs").getInt() == 1);
}

TEST_CASE("a directory (or a link to one) named like a page is passed over with a warning; a prune keeps its page") {
  testing::TempDir dir;
  const auto tree = dir / "tree", page = tree / "develop" / "bzip2" / "specs.md";
  testing::write_text(tree / "develop" / "zlib" / "specs.md", kGoodPage);
  testing::write_text(page, page_for("bzip2", "h2"));
  const auto db = dir / "db.sqlite";
  REQUIRE(cachedb(db, {"ingest", tree.string()}).exit_code == 0);
  fs::remove(page);
  SUBCASE("a directory") { fs::create_directory(page); }
  SUBCASE("a link to a directory") {
    fs::create_directory(dir / "elsewhere");
    fs::create_directory_symlink(dir / "elsewhere", page);
  }
  for (const std::vector<std::string>& args : {std::vector<std::string>{"ingest", "--prune", tree.string()},
                                                {"check", tree.string()}}) {
    CAPTURE(args[0]);
    auto r = cachedb(db, args);
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.err, page.string() + ": passed over: Is a directory"));
  }
  // Walked as a directory, it had said nothing, and the prune took bzip2's specs.
  SQLite::Database check(db.string());
  CHECK(check.execAndGet("SELECT count(*) FROM specs WHERE package = 'bzip2'").getInt() == 1);
}

TEST_CASE("a directory with another name the page reader takes (notes.md/) is walked as any directory") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  testing::write_text(tree / "notes.md" / "develop" / "zlib" / "specs.md", kGoodPage);
  auto r = cachedb(dir / "db.sqlite", {"ingest", tree.string()});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK_FALSE(contains(r.err, "passed over"));
  SQLite::Database db((dir / "db.sqlite").string());
  CHECK(db.execAndGet("SELECT count(*) FROM specs").getInt() == 1);
}

TEST_CASE("an unreadable file or directory is passed over with a warning, and --prune then refuses") {
  const auto prefix = testing::permission_enforcing_prefix();
  if (!prefix.available) return;
  testing::TempDir dir;
  const auto tree = dir / "tree";
  testing::write_text(tree / "develop" / "zlib" / "specs.md", kGoodPage);
  testing::write_text(tree / "develop" / "bzip2" / "specs.md", page_for("bzip2", "h2"));
  const auto db = dir / "db.sqlite";
  REQUIRE(cachedb(db, {"ingest", tree.string()}).exit_code == 0);

  fs::path locked;
  std::string warning;
  SUBCASE("a file") {
    locked = tree / "develop" / "bzip2" / "specs.md";
    // Changed since the last run: an unchanged file (same path, size and time)
    // is recognized without being opened, and its stored rows are right.
    testing::write_text(locked, page_for("bzip2", "h3"));
    warning = locked.string() + ": passed over: cannot open: Permission denied";
  }
  SUBCASE("a directory") {
    locked = tree / "develop" / "bzip2";
    warning = locked.string() + ": passed over: cannot read directory: Permission denied";
  }
  fs::permissions(locked, fs::perms::none);
  auto r = cachedb_as(prefix, db, {"ingest", "--prune", tree.string()});
  fs::permissions(locked, fs::perms::owner_all);
  INFO("stderr: " << r.err);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 2);  // the prune asked for did not happen
  CHECK(contains(r.err, warning));
  CHECK(contains(r.err, "not pruning: 1 file(s) or directories could not be read"));
  // Pruning on a walk that missed a page would have deleted bzip2's specs.
  SQLite::Database check(db.string());
  CHECK(check.execAndGet("SELECT count(*) FROM specs WHERE package = 'bzip2'").getInt() == 1);
}

// A release the run saw no page of, because what holds its pages cannot be
// opened: a fresh ingest would not read them either. Its own directory
// locked makes the walk incomplete, so only --force prunes it; a link to a
// locked directory is one the walk never follows, so the prune takes it.
TEST_CASE("--prune: a release whose pages cannot be reached goes, with --force when the walk was incomplete") {
  const auto prefix = testing::permission_enforcing_prefix();
  if (!prefix.available) return;
  testing::TempDir dir;
  const auto tree = dir / "tree";
  testing::write_text(tree / "develop" / "zlib" / "specs.md", kGoodPage);
  testing::write_text(tree / "old" / "zlib" / "specs.md", page_for("zlib", "h0", "v1.0"));
  const auto db = dir / "db.sqlite";
  REQUIRE(cachedb(db, {"ingest", tree.string()}).exit_code == 0);
  const auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "ingest");
    return cachedb_as(prefix, db, args);
  };
  const auto releases = [&] {
    SQLite::Database check(db.string());
    return check.execAndGet("SELECT group_concat(name, ',') FROM (SELECT name FROM release ORDER BY name)")
        .getString();
  };
  fs::path locked;
  std::string remaining = "develop";
  SUBCASE("its directory cannot be read") {
    locked = tree / "old";
    fs::permissions(locked, fs::perms::none);
    auto refused = run({"--prune", tree.string()});
    INFO("stderr: " << refused.err);
    CHECK(refused.exit_code == 2);
    CHECK(releases() == "develop,v1.0");
    auto forced = run({"--prune", "--force", tree.string()});
    INFO("stderr: " << forced.err);
    CHECK(forced.exit_code == 0);
  }
  SUBCASE("its directory can be searched but not listed") {
    locked = tree / "old";
    fs::permissions(locked, fs::perms::owner_exec);
    CHECK(run({"--prune", tree.string()}).exit_code == 2);
    CHECK(releases() == "develop,v1.0");
    CHECK(run({"--prune", "--force", tree.string()}).exit_code == 0);
  }
  SUBCASE("the directory given cannot be read: with --force, nothing under it stays") {
    locked = tree;
    fs::permissions(locked, fs::perms::none);
    CHECK(run({"--prune", tree.string()}).exit_code == 2);
    CHECK(releases() == "develop,v1.0");
    run({"--prune", "--force", tree.string()});
    remaining = "";
  }
  SUBCASE("its directory is a link to one that cannot be searched") {
    locked = dir / "locked";
    fs::create_directories(locked);
    fs::rename(tree / "old", locked / "old");
    fs::create_directory_symlink(locked / "old", tree / "old");
    fs::permissions(locked, fs::perms::none);
    auto r = run({"--prune", tree.string()});
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 0);
  }
  fs::permissions(locked, fs::perms::owner_all);
  CHECK(releases() == remaining);
}

// What lies above a tree named relative to the working directory is not the
// walk's business: a parent the job cannot search stops neither the walk nor
// a page read from a file the walk lists without taking (named on the
// command line) from being kept, as the walk reaches it.
TEST_CASE("--prune: a parent of the working directory that cannot be searched changes nothing") {
  const auto prefix = testing::permission_enforcing_prefix();
  if (!prefix.available) return;
  testing::TempDir dir;
  const auto gate = dir / "gate", tree = gate / "cwd" / "tree", db = dir / "db.sqlite";
  testing::write_text(tree / "develop" / "zlib" / "specs.md", kGoodPage);
  testing::write_text(tree / "old" / "zlib" / "specs.txt", page_for("zlib", "h0", "v1.0"));
  testing::WorkingDirectory cd(gate / "cwd");
  REQUIRE(cachedb(db, {"ingest", "tree", "tree/old/zlib/specs.txt"}).exit_code == 0);
  fs::permissions(gate, fs::perms::none);
  auto r = cachedb_as(prefix, db, {"ingest", "--prune", "tree"});
  fs::permissions(gate, fs::perms::owner_all);
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  SQLite::Database check(db.string());
  CHECK(check.execAndGet("SELECT count(*) FROM specs WHERE release = 'v1.0'").getInt() == 1);
}

// The bytes these tests put in names that are not UTF-8 (0xFE and 0xFF are
// never in UTF-8): stored text must hold neither.
bool no_raw_name_bytes(const std::string& text) {
  return text.find('\xFE') == std::string::npos && text.find('\xFF') == std::string::npos;
}

TEST_CASE("file names with spaces, quotes and non-ASCII are read and named exactly") {
  testing::TempDir dir;
  const auto tree = dir / "tree with spaces";
  const std::vector<std::string> names = {"it's a \"page\".md", "zlib ünïcødé ✓.md", "$(touch pwned) `x`;.md",
                                          "-rf.md", "\xFF\xFE not UTF-8.md"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    // (Appended, not "p" + to_string(i): GCC 12 warns falsely (-Wrestrict) on that.)
    std::string package = "p", hash = "h";
    package += std::to_string(i);
    hash += std::to_string(i);
    testing::write_text(tree / names[i], page_for(package, hash));
  }
  testing::write_text(tree / "bad 'quoted' \"name\" é.md", "---\ntitle: b\nlayout: cache\n---\n");
  const auto db = dir / "db.sqlite";
  auto r = cachedb(db, {"ingest", tree.string()});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, (tree / "bad 'quoted' \"name\" é.md").string() + ": no 'categories'"));
  CHECK_FALSE(fs::exists(tree / "pwned"));
  CHECK_FALSE(fs::exists("pwned"));
  SQLite::Database check(db.string());
  CHECK(check.execAndGet("SELECT count(*) FROM specs").getInt() == static_cast<int>(names.size()));
  CHECK(check.execAndGet("SELECT count(*) FROM page WHERE path LIKE '%zlib ünïcødé ✓.md'").getInt() == 1);
  // The file name that is not UTF-8 is stored with U+FFFD in place of the bad bytes.
  CHECK(check.execAndGet("SELECT count(*) FROM page WHERE path LIKE '%\xEF\xBF\xBD\xEF\xBF\xBD not UTF-8.md'")
            .getInt() == 1);
  // And so is every text of the run log: the inputs, a rejection's path and message.
  const auto bad = tree / "\xFF not UTF-8 either.md";
  testing::write_text(bad, "---\ntitle: b\nlayout: cache\n---\n");
  r = cachedb(db, {"ingest", tree.string(), bad.string()});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, bad.string()));  // the log shows the name as it is
  for (const char* text : {"SELECT inputs FROM ingest_runs", "SELECT path FROM ingest_errors",
                           "SELECT message FROM ingest_errors"}) {
    CAPTURE(text);
    SQLite::Statement q(check, text);
    int rows = 0;
    while (q.executeStep()) {
      ++rows;
      CHECK(no_raw_name_bytes(q.getColumn(0).getString()));
    }
    CHECK(rows > 0);
  }
  CHECK(check.execAndGet("SELECT count(*) FROM ingest_errors WHERE path LIKE '%\xEF\xBF\xBD not UTF-8 either.md'")
            .getInt() == 2);
}

TEST_CASE("an index whose file name is not UTF-8 is stored with U+FFFD, and found unchanged the next night") {
  testing::TempDir dir;
  const auto index = dir / "\xFE index.json";
  testing::write_text(index, R"({"database": {"version": "8", "installs": {"abcdefghijklmnopqrstuvwxyz234567": {"spec": )"
                             R"({"name": "zlib", "version": "1.3", "arch": {"platform": "linux", "platform_os": "rhel8", )"
                             R"("target": "x86_64"}}}}}})");
  const auto db = dir / "db.sqlite";
  const std::vector<std::string> args = {"ingest", "--index", index.string(), "--release", "r", "--stack", "s"};
  auto r = cachedb(db, args);
  REQUIRE(r.exit_code == 0);
  r = cachedb(db, args);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "1 unchanged"));
  SQLite::Database check(db.string());
  CHECK(check.execAndGet("SELECT path FROM source").getString() == (dir / "\xEF\xBF\xBD index.json").string());
  SQLite::Statement inputs(check, "SELECT inputs FROM ingest_runs");
  while (inputs.executeStep()) CHECK(no_raw_name_bytes(inputs.getColumn(0).getString()));
}

TEST_CASE("SQL in command-line arguments is a name, never SQL") {
  testing::TempDir dir;
  testing::write_text(dir / "p.md", kGoodPage);
  const auto db = dir / "db.sqlite";
  REQUIRE(cachedb(db, {"ingest", (dir / "p.md").string()}).exit_code == 0);
  auto r = cachedb(db, {"report", "--matrix", "stacks-by-target'; DROP TABLE spec; --"});
  CHECK(r.exit_code == 64);  // an unknown matrix is a bad command line
  CHECK(contains(r.err, "unknown matrix"));
  auto f = cachedb(db, {"report", "--matrix", "stacks-by-target", "--format", "csv'; DROP TABLE spec; --"});
  CHECK(f.exit_code != 0);
  auto missing = cachedb(db, {"ingest", (dir / "x'; DROP TABLE spec; --.md").string()});
  CHECK(missing.exit_code == 1);
  CHECK(contains(missing.err, "x'; DROP TABLE spec; --.md: no such file or directory"));
  SQLite::Database check(db.string());
  CHECK(check.execAndGet("SELECT count(*) FROM specs").getInt() == 1);
}
