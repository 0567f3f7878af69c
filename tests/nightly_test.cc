// The nightly job through the library: incremental re-runs, changed trees,
// prune and its refusal, broken pages, the run log and data-quality findings.
#include <doctest/doctest.h>


#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "corpus.h"
#include "error.h"
#include "ingest/ingester.h"
#include "storage/database.h"
#include "page_builder.h"
#include "test_support.h"

using namespace cachedb;
namespace fs = std::filesystem;

namespace {

std::int64_t count(SQLite::Database& db, const std::string& sql) { return db.execAndGet(sql).getInt64(); }
std::string text(SQLite::Database& db, const std::string& sql) { return db.execAndGet(sql).getString(); }

// Every row of the data tables, in a stable order: equal dumps, equal databases.
std::string dump(SQLite::Database& db) {
  return testing::dump_analyst_views(db) + testing::dump_rows(db, {
      "SELECT r.name || '|' || p.name || '|' || pg.content_hash || '|' || pg.ingested_at FROM page pg "
      "JOIN release r ON r.id = pg.release_id JOIN package p ON p.id = pg.package_id ORDER BY 1",
  });
}

std::string page_text(const std::string& release, const std::string& package,
                      std::vector<testing::SpecEntry> specs, const std::string& meta = "") {
  testing::CachePage page(release, package);
  if (!meta.empty()) page.meta(meta);
  return page.specs(std::move(specs)).text();
}

testing::SpecEntry spec(const std::string& hash, const std::string& stack = "e4s",
                        const std::string& target = "x86_64_v3", const std::string& os = "ubuntu22.04") {
  auto s = testing::SpecEntry::typical(hash);
  s.stacks({stack, "root"}).target(target).os(os);
  return s;
}

void write_page(const fs::path& tree, const std::string& release, const std::string& package,
                std::vector<testing::SpecEntry> specs, const std::string& meta = "") {
  testing::write_text(testing::page_path(tree, release, package), page_text(release, package, std::move(specs), meta));
}

// The options of `ingest --prune [--force]`.
IngestOptions pruning(bool force = false) {
  IngestOptions o;
  o.prune = true;
  o.force = force;
  return o;
}

}  // namespace

TEST_CASE("an unchanged tree: the second run finds every page unchanged and changes nothing") {
  testing::TempDir dir;
  testing::CorpusShape shape;
  shape.packages = 1500;
  testing::write_corpus(dir / "tree", shape);
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);

  auto first = ingest(db, {dir / "tree"}, {});
  CHECK(first.pages_added == 1500);
  const std::string before = dump(db);
  const auto data_version = count(db, "PRAGMA data_version");

  auto second = ingest(db, {dir / "tree"}, {});
  CHECK(second.pages_unchanged == 1500);
  CHECK(second.pages_added + second.pages_updated + second.pages_removed + second.pages_rejected == 0);
  CHECK(second.specs_added + second.specs_removed == 0);
  CHECK(dump(db) == before);  // not even ingested_at moved
  CHECK(count(db, "PRAGMA data_version") == data_version);
  // How little it costs is measured by bench/, not asserted here.
}

TEST_CASE("a changed tree replaces the pages that changed and only those") {
  testing::TempDir dir;
  testing::CorpusShape shape;
  shape.packages = 200;
  testing::write_corpus(dir / "tree", shape);
  write_page(dir / "tree", "v1.0", "zlib", {spec("z1")});
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  ingest(db, {dir / "tree"}, {});
  const std::string zlib_row = text(db, "SELECT ingested_at || content_hash FROM page WHERE path LIKE '%zlib%'");

  shape.generation = 1;  // every develop page: one spec replaced by a new one
  testing::write_corpus(dir / "tree", shape);
  auto s = ingest(db, {dir / "tree"}, {});
  CHECK(s.pages_updated == 200);
  CHECK(s.pages_unchanged == 1);
  CHECK(s.specs_added == 200);
  CHECK(s.specs_removed == 200);
  CHECK(count(db, "SELECT count(*) FROM specs WHERE release = 'develop'") == 1200);
  // The replaced specs are gone entirely (no other release listed them).
  CHECK(count(db, "SELECT count(*) FROM spec") == 1201);
  CHECK(text(db, "SELECT ingested_at || content_hash FROM page WHERE path LIKE '%zlib%'") == zlib_row);

  // Same result as ingesting the new tree into a fresh database.
  auto fresh = open_database(dir / "fresh.sqlite", OpenMode::ReadWrite);
  ingest(fresh, {dir / "tree"}, {});
  CHECK(count(fresh, "SELECT count(*) FROM specs") == count(db, "SELECT count(*) FROM specs"));
  CHECK(count(db, "SELECT count(*) FROM (SELECT release, hash, target, stack FROM spec_stacks JOIN specs "
                  "USING (release, hash) EXCEPT SELECT 0,0,0,0)") ==
        count(fresh, "SELECT count(*) FROM spec_stacks"));
  CHECK(count(db, "SELECT count(*) FROM pragma_foreign_key_check") == 0);
}

TEST_CASE("prune: the tree is authoritative for the releases it holds, and only for those") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  write_page(tree, "develop", "a", {spec("a1")});
  write_page(tree, "develop", "b", {spec("b1"), spec("shared")});
  write_page(tree, "develop", "c", {spec("c1")});
  write_page(tree, "v1.0", "a", {spec("a1"), spec("shared")});
  testing::write_text(dir / "other" / "_cache" / "v0.9" / "a" / "specs.md", page_text("v0.9", "a", {spec("old")}));
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  ingest(db, {tree, dir / "other"}, {});
  CHECK(count(db, "SELECT count(*) FROM page") == 5);

  fs::remove_all(tree / "_cache" / "develop" / "b");

  SUBCASE("without --prune a page that left the tree stays") {
    auto s = ingest(db, {tree}, {});
    CHECK(s.pages_removed == 0);
    CHECK(count(db, "SELECT count(*) FROM page") == 5);
  }

  SUBCASE("--prune removes it from its release only; other releases and specs still listed stay") {
    IngestOptions prune;
    prune.prune = true;
    auto s = ingest(db, {tree}, prune);
    CHECK(s.exit_code() == 0);
    CHECK(s.pages_removed == 1);
    CHECK(s.specs_removed == 2);
    CHECK(count(db, "SELECT count(*) FROM specs WHERE release = 'develop' AND package = 'b'") == 0);
    CHECK(count(db, "SELECT count(*) FROM spec WHERE hash = 'b1'") == 0);      // listed nowhere else
    CHECK(count(db, "SELECT count(*) FROM specs WHERE hash = 'shared'") == 1);  // still in v1.0
    CHECK(count(db, "SELECT count(*) FROM specs WHERE release = 'v0.9'") == 1);  // not in this tree
    CHECK(count(db, "SELECT count(*) FROM page") == 4);
    CHECK(count(db, "SELECT pages_removed FROM ingest_runs ORDER BY id DESC LIMIT 1") == 1);
    CHECK(count(db, "SELECT count(*) FROM pragma_foreign_key_check") == 0);
  }

  SUBCASE("after a rejection --prune removes nothing and says why; --force prunes but keeps the broken page") {
    testing::write_text(tree / "_cache" / "develop" / "c" / "specs.md",
                        "---\ntitle: c\nlayout: cache\ncategories: [package, develop]\nspec_details: [{\"hash\": \n");
    IngestOptions prune;
    prune.prune = true;
    auto refused = ingest(db, {tree}, prune);
    CHECK(refused.exit_code() == 2);
    CHECK(refused.prune_refused);
    CHECK(refused.pages_removed == 0);
    CHECK(count(db, "SELECT count(*) FROM page") == 5);
    CHECK(count(db, "SELECT prune_refused FROM ingest_runs ORDER BY id DESC LIMIT 1") == 1);
    CHECK(text(db, "SELECT status FROM ingest_runs ORDER BY id DESC LIMIT 1") == "rejected");

    prune.force = true;
    auto forced = ingest(db, {tree}, prune);
    CHECK(forced.exit_code() == 2);
    CHECK(!forced.prune_refused);
    CHECK(forced.pages_removed == 1);  // b, gone from the tree
    // c's file is there but broken: its earlier good version stays.
    CHECK(count(db, "SELECT count(*) FROM specs WHERE release = 'develop' AND hash = 'c1'") == 1);
    CHECK(count(db, "SELECT count(*) FROM page") == 4);
  }
}

TEST_CASE("prune: a release whose directory left the tree goes with it, and only from under the tree walked") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  write_page(tree, "develop", "a", {spec("a1"), spec("shared")});
  write_page(tree, "develop-2025-03-23", "a", {spec("a0"), spec("shared")});
  write_page(tree, "develop-2025-03-23", "b", {spec("b0")});
  // Read from a file the walk does not take (named on the command line): still there, it stays.
  testing::write_text(tree / "_cache" / "v0.8" / "a" / "specs.txt", page_text("v0.8", "a", {spec("txt")}));
  // Read from another tree, not given to the pruning run: it stays.
  testing::write_text(dir / "other" / "_cache" / "v0.9" / "a" / "specs.md", page_text("v0.9", "a", {spec("old")}));
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  ingest(db, {tree, dir / "other", tree / "_cache" / "v0.8" / "a" / "specs.txt"}, {});
  REQUIRE(count(db, "SELECT count(*) FROM page") == 5);

  fs::remove_all(tree / "_cache" / "develop-2025-03-23");

  SUBCASE("without --prune it stays") {
    CHECK(ingest(db, {tree}, {}).pages_removed == 0);
    CHECK(count(db, "SELECT count(*) FROM release WHERE name = 'develop-2025-03-23'") == 1);
  }

  SUBCASE("--prune removes its pages, its specs listed nowhere else, and the release; then equals a fresh ingest") {
    auto s = ingest(db, {tree}, pruning());
    CHECK(s.exit_code() == 0);
    CHECK(s.pages_removed == 2);
    CHECK(count(db, "SELECT count(*) FROM release WHERE name = 'develop-2025-03-23'") == 0);
    CHECK(count(db, "SELECT count(*) FROM spec WHERE hash IN ('a0', 'b0')") == 0);
    CHECK(count(db, "SELECT count(*) FROM specs WHERE hash = 'shared'") == 1);  // still in develop
    CHECK(count(db, "SELECT count(*) FROM specs WHERE release = 'v0.8'") == 1);
    CHECK(count(db, "SELECT count(*) FROM specs WHERE release = 'v0.9'") == 1);
    CHECK(count(db, "SELECT count(*) FROM pragma_foreign_key_check") == 0);

    auto fresh = open_database(dir / "fresh.sqlite", OpenMode::ReadWrite);
    ingest(fresh, {tree, dir / "other", tree / "_cache" / "v0.8" / "a" / "specs.txt"}, {});
    CHECK(testing::dump_analyst_views(db) == testing::dump_analyst_views(fresh));
  }

  SUBCASE("its directory replaced by a link to a copy: the walk does not follow it, so it goes as if deleted") {
    write_page(dir / "copy", "develop-2025-03-23", "a", {spec("a0"), spec("shared")});
    write_page(dir / "copy", "develop-2025-03-23", "b", {spec("b0")});
    fs::create_directory_symlink(dir / "copy" / "_cache" / "develop-2025-03-23",
                                 tree / "_cache" / "develop-2025-03-23");
    REQUIRE(fs::exists(tree / "_cache" / "develop-2025-03-23" / "b" / "specs.md"));
    CHECK(ingest(db, {tree}, pruning()).pages_removed == 2);
    CHECK(count(db, "SELECT count(*) FROM release WHERE name = 'develop-2025-03-23'") == 0);
    auto fresh = open_database(dir / "fresh.sqlite", OpenMode::ReadWrite);
    ingest(fresh, {tree, dir / "other", tree / "_cache" / "v0.8" / "a" / "specs.txt"}, {});
    CHECK(testing::dump_analyst_views(db) == testing::dump_analyst_views(fresh));
  }

  SUBCASE("its directory replaced by a link loop: the walk passes it over, so it goes") {
    fs::create_directory_symlink("loop", tree / "_cache" / "develop-2025-03-23");
    fs::create_directory_symlink("develop-2025-03-23", tree / "_cache" / "loop");
    CHECK(ingest(db, {tree}, pruning()).pages_removed == 2);
    CHECK(count(db, "SELECT count(*) FROM release WHERE name = 'develop-2025-03-23'") == 0);
  }

  SUBCASE("the same tree named with a trailing slash prunes the same") {
    CHECK(ingest(db, {fs::path(tree.string() + "/")}, pruning()).pages_removed == 2);
  }

  SUBCASE("a page read through '..' from under the tree is another tree's: it stays") {
    write_page(dir / "other", "v2.0", "c", {spec("c1")});
    ingest(db, {tree / "_cache" / "develop" / ".." / ".." / ".." / "other"}, {});
    REQUIRE(count(db, "SELECT count(*) FROM release WHERE name = 'v2.0'") == 1);
    fs::remove_all(tree / "_cache" / "develop");  // the path read through no longer resolves; the file is there
    write_page(tree, "v3.0", "a", {spec("a3")});
    CHECK(ingest(db, {tree}, pruning()).pages_removed == 3);  // develop/a and the two of the snapshot
    CHECK(count(db, "SELECT count(*) FROM release WHERE name = 'v2.0'") == 1);
  }

  SUBCASE("a tree named relative to the working directory, as cron names it, prunes the same") {
    testing::WorkingDirectory cd(dir.path());
    CHECK(ingest(db, {"tree"}, pruning()).pages_removed == 2);
    CHECK(count(db, "SELECT count(*) FROM release WHERE name = 'develop-2025-03-23'") == 0);
  }

  SUBCASE("a rejected page elsewhere in the tree refuses the prune, unless --force") {
    testing::write_text(tree / "_cache" / "develop" / "c" / "specs.md",
                        "---\ntitle: c\nlayout: cache\ncategories: [package, develop]\nspec_details: [{\"hash\": \n");
    CHECK(ingest(db, {tree}, pruning()).pages_removed == 0);
    CHECK(count(db, "SELECT count(*) FROM release WHERE name = 'develop-2025-03-23'") == 1);
    CHECK(ingest(db, {tree}, pruning(true)).pages_removed == 2);
  }
}

TEST_CASE("a run started in a working directory since deleted reads and prunes a tree named absolutely") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  write_page(tree, "develop", "a", {spec("a1")});
  write_page(tree, "v1.0", "a", {spec("a0")});
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  fs::create_directories(dir / "gone");
  testing::WorkingDirectory cd(dir / "gone");
  fs::remove(dir / "gone");
  CHECK(ingest(db, {tree}, {}).pages_added == 2);
  fs::remove_all(tree / "_cache" / "v1.0");
  CHECK(ingest(db, {tree}, pruning()).pages_removed == 1);
  CHECK(text(db, "SELECT group_concat(name) FROM release") == "develop");
  CHECK(text(db, "SELECT path FROM page") == (tree / "_cache" / "develop" / "a" / "specs.md").string());
}

TEST_CASE("prune: a page whose stored path is not its file's bytes (not UTF-8) is never taken for gone") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  write_page(tree, "develop", "a", {spec("a1")});
  // Stored with U+FFFD for the bad byte: that path names nothing, though the file is there.
  const fs::path odd = tree / "_cache" / "v0.9\xff" / "a" / "specs.txt";
  testing::write_text(odd, page_text("v0.9", "a", {spec("odd")}));
  // A tree whose name has a byte that is not UTF-8, stored as U+FFFD: a tree named with a
  // real U+FFFD (created below) must not take its pages for its own.
  const fs::path twin = dir / "tree\xff";
  write_page(twin, "v1.0", "b", {spec("b1")});
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  ingest(db, {tree, odd, twin}, {});
  REQUIRE(count(db, "SELECT count(*) FROM release WHERE name IN ('v0.9', 'v1.0')") == 2);
  CHECK(ingest(db, {tree}, pruning()).pages_removed == 0);
  fs::create_directories(dir / "tree\xef\xbf\xbd");
  CHECK(ingest(db, {dir / "tree\xef\xbf\xbd"}, pruning()).pages_removed == 0);
  CHECK(count(db, "SELECT count(*) FROM release WHERE name IN ('v0.9', 'v1.0')") == 2);
}

TEST_CASE("a broken new version of a known page keeps the old rows, and the error is logged") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  write_page(tree, "develop", "a", {spec("a1"), spec("a2")});
  write_page(tree, "develop", "b", {spec("b1")});
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  ingest(db, {tree}, {});
  const std::string before = dump(db);

  // Half-written (as if the checkout was interrupted), then a spec without its hash.
  const auto page = tree / "_cache" / "develop" / "a" / "specs.md";
  std::string without_hash = "[";  // (appended: GCC 12 warns falsely on "[" + ..., -Wrestrict)
  without_hash += spec("a1").json();
  without_hash += R"(, {"os": "x"}])";
  for (const std::string& broken : {page_text("develop", "a", {spec("a1"), spec("a3")}).substr(0, 150),
                                    testing::CachePage("develop", "a").details(without_hash).text()}) {
    testing::write_text(page, broken);
    auto s = ingest(db, {tree}, {});
    CHECK(s.pages_rejected == 1);
    CHECK(s.pages_unchanged == 1);
    CHECK(s.exit_code() == 2);
    CHECK(dump(db) == before);
    const auto run = s.run_id;
    CHECK(count(db, "SELECT count(*) FROM ingest_errors WHERE run_id = " + std::to_string(run) +
                        " AND path = '" + page.string() + "'") == 1);
  }
  CHECK(count(db, "SELECT line FROM ingest_errors ORDER BY rowid DESC LIMIT 1") == 5);
  CHECK(text(db, "SELECT message FROM ingest_errors ORDER BY rowid DESC LIMIT 1").find("hash") != std::string::npos);
}

TEST_CASE("the run log: ok, rejected, failed (rolled back) and interrupted runs") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  write_page(tree, "develop", "a", {spec("a1")});
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);

  auto ok = ingest(db, {tree}, {});
  CHECK(ok.run_id == 1);
  CHECK(text(db, "SELECT status FROM ingest_runs WHERE id = 1") == "ok");
  CHECK(count(db, "SELECT pages_added FROM ingest_runs WHERE id = 1") == 1);
  CHECK(count(db, "SELECT specs_added FROM ingest_runs WHERE id = 1") == 1);
  CHECK(count(db, "SELECT finished_at >= started_at FROM ingest_runs WHERE id = 1") == 1);
  CHECK(text(db, "SELECT inputs FROM ingest_runs WHERE id = 1") == tree.string());

  // A fatal error: the input is missing. Nothing changes, the run says why.
  CHECK_THROWS_AS(ingest(db, {dir / "missing"}, {}), Error);
  CHECK(text(db, "SELECT status FROM ingest_runs WHERE id = 2") == "failed");
  CHECK(text(db, "SELECT message FROM ingest_runs WHERE id = 2").find("missing") != std::string::npos);

  // A fatal error half-way through the data (the database refuses a write):
  // the whole run is rolled back, and still logged.
  write_page(tree, "develop", "b", {spec("b1")});
  write_page(tree, "develop", "c", {spec("boom")});
  db.exec("CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.spec WHEN NEW.hash = 'boom' "
          "BEGIN SELECT RAISE(ABORT, 'the disk is on fire'); END");
  CHECK_THROWS_WITH_AS(ingest(db, {tree}, {}), doctest::Contains("nothing was changed"), Error);
  db.exec("DROP TRIGGER refuse");
  CHECK(count(db, "SELECT count(*) FROM page") == 1);  // b was not kept either
  CHECK(text(db, "SELECT status FROM ingest_runs WHERE id = 3") == "failed");
  CHECK(text(db, "SELECT message FROM ingest_runs WHERE id = 3").find("on fire") != std::string::npos);

  // A process killed mid-run leaves its row 'running'; the next run marks it.
  db.exec("INSERT INTO ingest_runs(started_at) VALUES ('2025-01-01T00:00:00Z')");
  auto next = ingest(db, {tree}, {});
  CHECK(next.run_id == 5);
  CHECK(text(db, "SELECT status FROM ingest_runs WHERE id = 4") == "interrupted");
  CHECK(count(db, "SELECT count(*) FROM ingest_runs WHERE status = 'running'") == 0);
  CHECK(next.pages_added == 2);
  CHECK(count(db, "SELECT count(*) FROM ingest_runs WHERE status = 'ok'") == 2);
}

TEST_CASE("findings: meta disagreeing with spec_details, and one hash described two ways") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  // Agrees with itself: no finding.
  write_page(tree, "develop", "good", {spec("g1"), spec("g2", "tutorial")},
             R"({"num_specs": 2, "num_specs_by_stack": {"e4s": 1, "tutorial": 1, "root": 2}, )"
             R"("stacks": ["e4s", "root", "tutorial"]})");
  // Claims three specs, miscounts e4s, forgets tutorial, lists a stack no spec is in.
  write_page(tree, "develop", "odd", {spec("o1"), spec("o2", "tutorial")},
             R"({"num_specs": 3, "num_specs_by_stack": {"e4s": 2, "root": 2}, "stacks": ["e4s", "root", "ghost"]})");
  // The same hash as develop/good's g1, on another OS and target.
  write_page(tree, "v1.0", "good", {spec("g1", "e4s", "aarch64", "rhel8")});
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  auto s = ingest(db, {tree}, {});
  CHECK(s.exit_code() == 0);  // findings never reject a page
  CHECK(s.pages_added == 3);
  CHECK(s.findings.size() == 4);
  CHECK(count(db, "SELECT findings FROM ingest_runs WHERE id = 1") == 4);

  CHECK(count(db, "SELECT count(*) FROM ingest_findings WHERE package = 'good' AND release = 'develop'") == 0);
  CHECK(text(db, "SELECT message FROM ingest_findings WHERE kind = 'num_specs'") ==
        "meta.num_specs is 3 but spec_details lists 2 specs");
  CHECK(text(db, "SELECT message FROM ingest_findings WHERE kind = 'num_specs_by_stack'") ==
        "meta.num_specs_by_stack disagrees: e4s 2 in meta, 1 in spec_details, "
        "tutorial missing from meta, 1 in spec_details");
  CHECK(text(db, "SELECT message FROM ingest_findings WHERE kind = 'stacks'") ==
        "meta.stacks disagrees with spec_details: only in meta: ghost; only in spec_details: tutorial");
  CHECK(text(db, "SELECT release || '/' || package || ' ' || hash FROM ingest_findings WHERE kind = 'hash_conflict'") ==
        "v1.0/good g1");
  CHECK(text(db, "SELECT message FROM ingest_findings WHERE kind = 'hash_conflict'").find("os, target") !=
        std::string::npos);
  // The newest description wins everywhere the hash is listed.
  CHECK(count(db, "SELECT count(*) FROM specs WHERE hash = 'g1' AND os = 'rhel8' AND target = 'aarch64'") == 2);

  // An unchanged page is not read again, so its findings are not repeated.
  auto again = ingest(db, {tree}, {});
  CHECK(again.findings.empty());
}

TEST_CASE("the real pages beside the checkout agree with their own meta, when they are there" * doctest::test_suite("corpus")) {
  const auto corpus = testing::shared_corpus();
  if (corpus.empty()) {
    MESSAGE("../shared/corpus is absent: skipped");
    return;
  }
  testing::TempDir dir;
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  auto s = ingest(db, {corpus}, {});
  for (const auto& f : s.findings) MESSAGE(f.path << ": " << f.message);
  CHECK(s.exit_code() == 0);
  auto again = ingest(db, {corpus}, {});
  CHECK(again.pages_unchanged == s.pages_added);
}
