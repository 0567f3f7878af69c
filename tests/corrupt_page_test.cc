// A cache page that is corrupt must never pass for "not a cache page": a file
// that looks like a cache page in any way and cannot be read is rejected by
// name, and --prune never removes a stored page whose file is still in the
// tree, whatever happened to that file. Ordinary markdown stays quiet, and -v
// names every file skipped and why. `cachedb check` classifies as ingest does.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <string>

#include <SQLiteCpp/Database.h>

#include "child_process.h"
#include "error.h"
#include "formats/cache_page/page.h"
#include "ingest/ingester.h"
#include "ingest/page_check.h"
#include "storage/database.h"
#include "page_builder.h"
#include "test_support.h"

using namespace cachedb;
namespace fs = std::filesystem;

using testing::contains;
using testing::page_path;

namespace {

std::int64_t count(SQLite::Database& db, const std::string& sql) { return db.execAndGet(sql).getInt64(); }

std::string header(const std::string& release, const std::string& package) {
  return "---\ntitle: " + package + "\nlayout: cache\ncategories: [package, " + release + "]\n";
}

testing::SpecEntry spec(const std::string& hash) {
  return std::move(testing::SpecEntry(hash).os("ubuntu22.04").target("x86_64_v3").stacks({"e4s", "root"}));
}

// The rest of a page after its header (header() + details() is page()), to
// splice lines between them.
std::string details(const std::string& hash) { return "spec_details: " + testing::spec_list({spec(hash)}) + "\n---\n"; }

std::string page(const std::string& release, const std::string& package, const std::string& hash) {
  return testing::CachePage(release, package).spec(spec(hash)).text();
}

// The page with a line of binary junk right after 'layout: cache' (line 4).
std::string junk_after_layout(const std::string& release, const std::string& package, const std::string& hash) {
  std::string text = page(release, package, hash);
  const std::string layout = "layout: cache\n";
  text.insert(text.find(layout) + layout.size(), std::string("\0\x01 garbage\n", 11));
  return text;
}

testing::ChildResult run(const fs::path& db, std::vector<std::string> args) {
  std::vector<std::string> argv = {testing::cachedb_binary(), "--db", db.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_child(argv);
}

IngestOptions pruning(bool force = false) {
  IngestOptions o;
  o.prune = true;
  o.force = force;
  return o;
}

}  // namespace

TEST_CASE("a line of binary junk after 'layout: cache' rejects the page by name; --prune keeps its rows") {
  CHECK(testing::rejection_line(junk_after_layout("develop", "a", "a1")) ==
        "4: 'layout' runs on into this line, which is not 'key: value'");

  testing::TempDir dir;
  const auto tree = dir / "tree";
  testing::write_text(page_path(tree, "develop", "a"), page("develop", "a", "a1"));
  testing::write_text(page_path(tree, "develop", "b"), page("develop", "b", "b1"));
  const auto db_path = dir / "db.sqlite";
  {
    auto db = open_database(db_path, OpenMode::ReadWrite);
    CHECK(ingest(db, {tree}, {}).pages_added == 2);
  }
  testing::write_text(page_path(tree, "develop", "a"), junk_after_layout("develop", "a", "a1"));

  auto r = run(db_path, {"-v", "ingest", "--prune", tree.string()});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, page_path(tree, "develop", "a").string() + ":4: 'layout' runs on into this line"));
  CHECK(contains(r.err, "not pruning"));
  auto db = open_database(db_path, OpenMode::ReadOnly);
  CHECK(count(db, "SELECT count(*) FROM specs WHERE release = 'develop' AND package = 'a'") == 1);

  // Even forced, the prune keeps what the broken page's earlier version stored.
  auto forced = run(db_path, {"ingest", "--prune", "--force", tree.string()});
  CHECK(forced.exit_code == 2);
  CHECK(count(db, "SELECT count(*) FROM specs WHERE release = 'develop' AND package = 'a'") == 1);
  CHECK(count(db, "SELECT pages_removed FROM ingest_runs ORDER BY id DESC LIMIT 1") == 0);

  // check says the same as ingest.
  auto checked = run(db_path, {"check", tree.string()});
  CHECK(checked.exit_code == 2);
  CHECK(contains(checked.err, page_path(tree, "develop", "a").string() + ":4: 'layout' runs on into this line"));
  CHECK(contains(checked.err, "1 rejected, 0 skipped"));
}

TEST_CASE("a file that looks like a cache page in any way and cannot be read is rejected, never skipped") {
  // A layout that starts with 'cache'.
  CHECK(testing::rejection_line("---\ntitle: a\nlayout: cachex\ncategories: [package, develop]\n" + details("h")) ==
        "3: 'layout' is 'cachex', not 'cache'");
  CHECK(testing::rejection_line("---\nlayout: \"cache\x01\"\n---\n") == "2: 'layout' is not 'cache'");
  // spec_details, or meta, under another layout or none.
  CHECK(testing::rejection_line("---\ntitle: a\nlayout: default\ncategories: [package, develop]\n" + details("h")) ==
        "3: 'layout' is 'default', not 'cache'");
  CHECK(testing::rejection_line("---\ntitle: a\ncategories: [package, develop]\n" + details("h")) ==
        "0: no 'layout: cache', though the page has 'spec_details'");
  CHECK(testing::rejection_line("---\ntitle: a\nmeta: {\"num_specs\": 1}\n---\n") ==
        "0: no 'layout: cache', though the page has 'meta'");
  // A cache page's other one-line fields do not run on either.
  CHECK(testing::rejection_line(header("develop", "a") + "oops\n" + details("h")) ==
        "5: 'categories' runs on into this line, which is not 'key: value'");
  CHECK(testing::rejection_line("---\ntitle: a\nzz junk\nlayout: cache\ncategories: [package, develop]\n" + details("h")) ==
        "3: 'title' runs on into this line, which is not 'key: value'");
  // A value on the line after its key is one line too.
  CHECK(testing::rejection_line("---\ntitle:\n  a\nlayout: cache\ncategories: [package, develop]\n" + details("h")).empty());
  // A comment line is not junk.
  CHECK(testing::rejection_line("---\ntitle: a\nlayout: cache\n# generated\ncategories: [package, develop]\n" + details("h"))
            .empty());
  // NUL in meta would cut the in-place parse short, as in spec_details.
  CHECK(testing::rejection_line(header("develop", "a") + std::string("meta: {\"num_specs\": 1}\n\0 junk\n", 30) + details("h")) ==
        "6: meta: NUL byte at offset 17");

  // Ordinary markdown is not a cache page, whatever its front matter.
  for (const std::string& text : {std::string("no front matter\n"), std::string("---\nlayout: default\n---\n"),
                                  std::string("---\ntitle: notes\n---\n"), std::string("\0\x01 binary", 9)}) {
    CHECK(parse_page(text).kind == PageKind::NotCache);
    CHECK(testing::rejection_line(text).empty());
  }
  CHECK(parse_page("---\nlayout: cache\ntitle: zlib\nspec_files: [\"a\"]\n---\n").kind == PageKind::Legacy);
}

TEST_CASE("at a cache page's path (<release>/<package>/specs.md), a file that is not a cache page is rejected") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  const std::string mail = "Subject: cron <root@host>\n\nfatal: unable to access the remote\n";
  testing::write_text(page_path(tree, "develop", "a"), mail);
  testing::write_text(page_path(tree, "develop", "b"), std::string("\0\x01 garbage\n", 11));
  testing::write_text(page_path(tree, "develop", "c"), "---\nlayout: default\n---\n");
  testing::write_text(tree / "notes.md", mail);  // the same bytes elsewhere: skipped
  testing::write_text(tree / "_cache" / "index.md", "---\nlayout: default\ntitle: caches\n---\n");

  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  auto s = ingest(db, {tree}, {});
  CHECK(s.pages_rejected == 3);
  CHECK(s.pages_skipped == 2);
  REQUIRE(s.rejections.size() == 3);
  CHECK(s.rejections[0].path == page_path(tree, "develop", "a").string());
  CHECK(s.rejections[0].message == "not a cache page (no front matter), at a cache page's path (specs.md)");
  CHECK(s.rejections[2].message ==
        "not a cache page ('layout' is 'default'), at a cache page's path (specs.md)");

  auto c = check_pages({tree}, 1 << 20);
  CHECK(c.rejections.size() == 3);
  CHECK(c.skipped == 2);
}

TEST_CASE("-v names every file skipped and why; without it ordinary markdown is not mentioned") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  testing::write_text(page_path(tree, "develop", "a"), page("develop", "a", "a1"));
  testing::write_text(tree / "README.md", "# the site\n");
  testing::write_text(tree / "index.md", "---\nlayout: default\n---\n");
  testing::write_text(tree / "_cache" / "zlib" / "index.md",
                      "---\nlayout: cache\ntitle: zlib\nspec_files: [\"a.spec.json\"]\n---\n");

  for (const char* command : {"ingest", "check"}) {
    INFO(command);
    auto quiet = run(dir / "db.sqlite", {command, tree.string()});
    CHECK(quiet.exit_code == 0);
    CHECK(!contains(quiet.err, "README.md"));
    CHECK(!contains(quiet.err, "index.md"));

    auto verbose = run(dir / "v.sqlite", {"-v", command, tree.string()});
    CHECK(verbose.exit_code == 0);
    CHECK(contains(verbose.err, (tree / "README.md").string() + ": skipped: not a cache page (no front matter)"));
    CHECK(contains(verbose.err,
                   (tree / "index.md").string() + ": skipped: not a cache page ('layout' is 'default')"));
    CHECK(contains(verbose.err, (tree / "_cache" / "zlib" / "index.md").string() +
                                    ": skipped: a page of the 2021 site (spec_files), counted as legacy"));
  }
}

TEST_CASE("--prune never removes a stored page whose file is still in the tree, whatever happened to it") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  // One page stored from a file not named like a cache page, so that it can
  // turn into ordinary markdown without being rejected.
  const auto odd = tree / "_cache" / "develop" / "odd.md";
  testing::write_text(page_path(tree, "develop", "a"), page("develop", "a", "a1"));
  testing::write_text(page_path(tree, "develop", "b"), page("develop", "b", "b1"));
  testing::write_text(odd, page("develop", "c", "c1"));
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  REQUIRE(ingest(db, {tree}, {}).pages_added == 3);
  auto packages = [&] {
    return testing::dump_rows(db, {"SELECT p.name FROM page JOIN package p ON p.id = page.package_id ORDER BY 1"});
  };
  const std::string all = packages();

  SUBCASE("it became ordinary markdown (skipped)") {
    testing::write_text(odd, "# moved to a.md\n");
    auto s = ingest(db, {tree}, pruning());
    CHECK(s.exit_code() == 0);
    CHECK(s.pages_skipped == 1);
    CHECK(s.pages_removed == 0);
    CHECK(packages() == all);
  }
  SUBCASE("it became a page of the 2021 site (legacy)") {
    testing::write_text(odd, "---\nlayout: cache\ntitle: c\nspec_files: [\"c.spec.json\"]\n---\n");
    auto s = ingest(db, {tree}, pruning());
    CHECK(s.pages_legacy == 1);
    CHECK(s.pages_removed == 0);
    CHECK(packages() == all);
  }
  SUBCASE("it now holds another page") {
    testing::write_text(odd, page("develop", "d", "d1"));
    auto s = ingest(db, {tree}, pruning());
    CHECK(s.pages_added == 1);
    CHECK(s.pages_removed == 0);
    CHECK(count(db, "SELECT count(*) FROM specs WHERE package IN ('c', 'd')") == 2);
  }
  SUBCASE("it is broken, and the prune is forced") {
    testing::write_text(page_path(tree, "develop", "a"), junk_after_layout("develop", "a", "a1"));
    auto s = ingest(db, {tree}, pruning(true));
    CHECK(s.pages_rejected == 1);
    CHECK(s.pages_removed == 0);
    CHECK(packages() == all);
  }
  SUBCASE("it became a FIFO (passed over)") {
    fs::remove(odd);
    REQUIRE(::mkfifo(odd.c_str(), 0644) == 0);
    auto s = ingest(db, {tree}, pruning());
    CHECK(s.pages_skipped == 1);
    CHECK(s.pages_removed == 0);
    CHECK(packages() == all);
  }
  SUBCASE("it is gone: then, and only then, the prune removes its page") {
    fs::remove(odd);
    auto s = ingest(db, {tree}, pruning());
    CHECK(s.pages_removed == 1);
    CHECK(count(db, "SELECT count(*) FROM specs WHERE package = 'c'") == 0);
  }
}
