// Ingest → report on the fixtures, with the expected matrices worked out by hand
// in tests/fixtures/README.md.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <chrono>

#include <SQLiteCpp/Database.h>

#include "ingest/ingester.h"
#include "report/matrix.h"
#include "report/render.h"
#include "report/spec_filter.h"
#include "report/spec_list.h"
#include "storage/database.h"
#include "page_builder.h"
#include "test_support.h"

using namespace cachedb;
namespace fs = std::filesystem;

namespace {

std::string csv(SQLite::Database& db, bool totals, bool include_root = false) {
  MatrixOptions mo;
  mo.include_root = include_root;
  RenderOptions ro;
  ro.format = Format::Csv;
  ro.totals = totals;
  return render(run_matrix(db, "stacks-by-target", mo), ro);
}

std::int64_t count(SQLite::Database& db, const std::string& sql) { return db.execAndGet(sql).getInt64(); }

// Specs whose stored union of stacks over all releases is not the union of
// their stacks in each release.
std::int64_t specs_with_wrong_stack_union(SQLite::Database& db) {
  return count(db,
               "SELECT count(*) FROM spec s WHERE "
               "(SELECT group_concat(stack_id) FROM (SELECT DISTINCT m.stack_id FROM release_spec rs "
               "  JOIN stack_set_member m ON m.stack_set_id = rs.stack_set_id WHERE rs.spec_id = s.id ORDER BY 1)) "
               "IS NOT (SELECT group_concat(stack_id) FROM (SELECT stack_id FROM stack_set_member "
               "  WHERE stack_set_id = s.all_stack_set_id ORDER BY 1))");
}

const char* kBasicMatrix =
    "stack,aarch64,neoverse_v2,x86_64_v3\r\n"
    "e4s,0,0,3\r\n"
    "e4s-neoverse-v2,0,1,0\r\n"
    "ml-linux-aarch64-cpu,1,0,0\r\n"
    "ml-linux-x86_64-cuda,0,0,1\r\n"
    "tutorial,0,0,1\r\n";

}  // namespace

TEST_CASE("the basic fixture: counts of each kind of page and the stacks-by-target matrix") {
  testing::TempDir dir;
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  auto s = ingest(db, {testing::fixture("basic")}, {});
  CHECK(s.pages_added == 3);
  CHECK(s.pages_skipped == 2);  // index.md (another layout) and notes.md (no front matter)
  CHECK(s.pages_legacy == 1);   // _cache/zlib/index.md
  CHECK(s.pages_rejected == 0);
  CHECK(s.specs_added == 7);    // 3 + 2 in develop, 2 in develop-2025-01-05
  CHECK(s.exit_code() == 0);

  CHECK(csv(db, false) == kBasicMatrix);
  // A spec in two stacks (…a3: e4s and ml-linux-x86_64-cuda) counts once in its target's total.
  CHECK(csv(db, true) ==
        "stack,aarch64,neoverse_v2,x86_64_v3,total\r\n"
        "e4s,0,0,3,3\r\n"
        "e4s-neoverse-v2,0,1,0,1\r\n"
        "ml-linux-aarch64-cpu,1,0,0,1\r\n"
        "ml-linux-x86_64-cuda,0,0,1,1\r\n"
        "tutorial,0,0,1,1\r\n"
        "total,1,1,4,6\r\n");
  CHECK(csv(db, true, true).find("root,1,1,4,6\r\n") != std::string::npos);

  // Normalization, seen through the analysts' views.
  CHECK(count(db, "SELECT count(*) FROM specs") == 7);
  CHECK(count(db, "SELECT count(DISTINCT hash) FROM specs") == 6);
  CHECK(count(db, "SELECT count(*) FROM compiler") == 3);  // gcc@11.4.0 (both spellings), gcc@13.2.0, none
  CHECK(count(db, "SELECT count(*) FROM specs WHERE compiler = 'gcc@11.4.0'") == 4);
  CHECK(count(db, "SELECT count(*) FROM specs WHERE compiler = 'none' AND compiler_version = ''") == 1);
  CHECK(count(db, "SELECT size FROM specs WHERE hash = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb5'") == 9876543);
  CHECK(count(db, "SELECT count(*) FROM spec_stacks WHERE hash = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3'") == 3);
  CHECK(count(db, "SELECT count(*) FROM spec_variants WHERE hash = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb4' "
                  "AND variant = 'libs=shared,static'") == 2);
  CHECK(count(db, "SELECT count(*) FROM spec_variants WHERE name = 'build_type' AND value = 'dm+sm'") == 1);
  // cachedb list asked for it in quotes, as the page writes it, or bare: that spec.
  for (const char* asked : {"build_type='dm+sm'", "build_type=dm+sm"}) {
    INFO(asked);
    std::vector<std::string> hashes;
    list_specs(db, parse_spec_filter({asked}), {}, [&](const ListedSpec& s) { hashes.push_back(s.hash); });
    CHECK(hashes.size() == 1);
  }
  CHECK(count(db, "SELECT count(*) FROM spec_variants WHERE name = 'mpi' AND value = 'openmpi' "
                  "AND propagate = 1") == 1);
  CHECK(count(db, "SELECT count(*) FROM spec_variants WHERE name = 'cuda_arch' AND exact = 1") == 2);
  CHECK(count(db, "SELECT count(*) FROM spec_variants WHERE name = 'cxx' AND value = 'false'") == 1);
  CHECK(specs_with_wrong_stack_union(db) == 0);
  // …a1 is in e4s in both releases; …a3 in e4s and ml-linux-x86_64-cuda.
  CHECK(count(db, "SELECT count(*) FROM stack_set_member m JOIN spec s ON s.all_stack_set_id = m.stack_set_id "
                  "WHERE s.hash = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3'") == 3);
}

TEST_CASE("ingesting the same tree again changes nothing") {
  testing::TempDir dir;
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  ingest(db, {testing::fixture("basic")}, {});
  auto again = ingest(db, {testing::fixture("basic")}, {});
  CHECK(again.pages_unchanged == 3);
  CHECK(again.pages_added + again.pages_updated + again.specs_added + again.specs_removed == 0);
  CHECK(csv(db, false) == kBasicMatrix);
}

TEST_CASE("re-ingesting a page replaces what it said: specs that left it leave that release") {
  testing::TempDir dir;
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  fs::copy(testing::fixture("basic"), dir / "tree", fs::copy_options::recursive);
  ingest(db, {dir / "tree"}, {});

  // develop/zlib now lists only …a1, moved to the tutorial stack: …a2 and …a3 leave develop.
  const auto page = dir / "tree" / "_cache" / "develop" / "zlib" / "specs.md";
  testing::CachePage("develop", "zlib")
      .spec(std::move(testing::SpecEntry("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1")
                          .compiler("gcc@=11.4.0")
                          .versions({"1.3.1"})
                          .os("ubuntu22.04")
                          .target("x86_64_v3")
                          .variants({"+optimize", "+pic", "build_system=makefile"})
                          .stacks({"tutorial", "root"})
                          .size("\"-\"")))
      .write_to(page);
  auto s = ingest(db, {dir / "tree"}, {});
  CHECK(s.pages_updated == 1);
  CHECK(s.pages_unchanged == 2);
  CHECK(s.specs_added == 0);
  CHECK(s.specs_removed == 2);
  CHECK(count(db, "SELECT count(*) FROM specs WHERE release = 'develop' AND package = 'zlib'") == 1);
  // …a2 and …a3 were in no other release, so they are gone entirely, variants and all.
  CHECK(count(db, "SELECT count(*) FROM spec WHERE hash IN ('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2', "
                  "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3')") == 0);
  CHECK(count(db, "SELECT count(*) FROM spec_version WHERE spec_id NOT IN (SELECT id FROM spec)") == 0);
  // …a1 is still in e4s in the dated snapshot, and now in tutorial in develop.
  CHECK(count(db, "SELECT count(*) FROM spec_stacks WHERE hash = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1' "
                  "AND release = 'develop-2025-01-05' AND stack = 'e4s'") == 1);
  CHECK(count(db, "SELECT count(*) FROM spec_stacks WHERE hash = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1' "
                  "AND release = 'develop' AND stack = 'tutorial'") == 1);
  CHECK(csv(db, true) ==
        "stack,aarch64,x86_64_v3,total\r\n"
        "e4s,0,2,2\r\n"
        "ml-linux-aarch64-cpu,1,0,1\r\n"
        "tutorial,0,2,2\r\n"
        "total,1,3,4\r\n");
  CHECK(count(db, "SELECT count(*) FROM pragma_foreign_key_check") == 0);
  // …a1 was in e4s (dated snapshot) and e4s (develop); now e4s and tutorial.
  CHECK(specs_with_wrong_stack_union(db) == 0);
  // Taking develop/zlib away leaves …a1 in the snapshot's stacks only.
  std::filesystem::remove(page);
  IngestOptions prune;
  prune.prune = true;
  auto pruned = ingest(db, {dir / "tree"}, prune);
  CHECK(pruned.pages_removed == 1);
  CHECK(specs_with_wrong_stack_union(db) == 0);
  CHECK(count(db, "SELECT count(*) FROM stack_set_member m JOIN stack st ON st.id = m.stack_id "
                  "JOIN spec s ON s.all_stack_set_id = m.stack_set_id "
                  "WHERE s.hash = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1' AND st.name = 'tutorial'") == 0);
}

TEST_CASE("a rejected page is reported and leaves what its earlier version stored") {
  testing::TempDir dir;
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  fs::copy(testing::fixture("basic"), dir / "tree", fs::copy_options::recursive);
  ingest(db, {dir / "tree"}, {});
  const auto page = dir / "tree" / "_cache" / "develop" / "hdf5" / "specs.md";
  testing::CachePage("develop", "hdf5").details("[{\"hash\": \"x\",, }]").write_to(page);
  auto s = ingest(db, {dir / "tree"}, {});
  CHECK(s.pages_rejected == 1);
  CHECK(s.exit_code() == 2);
  REQUIRE(s.rejections.size() == 1);
  CHECK(s.rejections[0].path == page.string());
  CHECK(s.rejections[0].line == 5);
  CHECK(csv(db, false) == kBasicMatrix);
}

TEST_CASE("an unsplittable variant rejects its page and undoes nothing else") {
  testing::TempDir dir;
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  testing::CachePage("develop", "a")
      .spec(std::move(testing::SpecEntry("h1").stacks({"e4s", "root"}).variants({"+ok", "nonsense"})))
      .write_to(dir / "tree" / "a.md");
  testing::CachePage("develop", "b")
      .spec(std::move(testing::SpecEntry("h2").stacks({"e4s", "root"}).variants({"+ok"})))
      .write_to(dir / "tree" / "b.md");
  auto s = ingest(db, {dir / "tree"}, {});
  CHECK(s.pages_rejected == 1);
  CHECK(s.pages_added == 1);
  REQUIRE(s.rejections.size() == 1);
  CHECK(s.rejections[0].line == 5);
  CHECK(s.rejections[0].message.find("nonsense") != std::string::npos);
  CHECK(count(db, "SELECT count(*) FROM specs") == 1);
  CHECK(count(db, "SELECT count(*) FROM specs WHERE hash = 'h2'") == 1);
}

TEST_CASE("the real pages beside the checkout ingest cleanly, when they are there" * doctest::test_suite("corpus")) {
  const auto corpus = testing::shared_corpus();
  if (corpus.empty()) {
    MESSAGE("../shared/corpus is absent: skipped");
    return;
  }
  testing::TempDir dir;
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  auto s = ingest(db, {corpus}, {});
  CHECK(s.pages_rejected == 0);
  CHECK(s.pages_added == 5);
  // The counts their meta objects claim.
  CHECK(count(db, "SELECT count(*) FROM specs WHERE release = 'develop' AND package = 'py-cachetools'") == 54);
  CHECK(count(db, "SELECT count(*) FROM specs WHERE release = 'develop-2025-03-23'") == 6);
  CHECK(count(db, "SELECT count(*) FROM spec_stacks WHERE package = 'py-cachetools' AND stack = 'e4s'") == 17);
  CHECK(count(db, "SELECT count(*) FROM specs WHERE compiler = 'cce@15.0.1'") == 1);
}

TEST_CASE("a hash listed by two packages' pages in one release stays in that release once") {
  testing::TempDir dir;
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  auto page = [](const std::string& package, const std::string& target) {
    return testing::CachePage("develop", package)
        .spec(std::move(testing::SpecEntry("samehash").target(target).stacks({"e4s", "root"})))
        .text();
  };
  testing::write_text(dir / "tree" / "a.md", page("a", "zen4"));
  testing::write_text(dir / "tree" / "b.md", page("b", "x86_64_v3"));
  auto s = ingest(db, {dir / "tree"}, {});
  CHECK(s.pages_added == 2);
  // The later page's description wins, and the disagreement is a finding.
  CHECK(count(db, "SELECT count(*) FROM specs WHERE hash = 'samehash'") == 1);
  CHECK(count(db, "SELECT count(*) FROM specs WHERE hash = 'samehash' AND package = 'b' AND target = 'x86_64_v3'") ==
        1);
  CHECK(csv(db, false) == "stack,x86_64_v3\r\ne4s,1\r\n");
  CHECK(count(db, "SELECT count(*) FROM pragma_foreign_key_check") == 0);
}

TEST_CASE("an unchanged file is recognized by its path, size and time without being read") {
  testing::TempDir dir;
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  fs::copy(testing::fixture("basic"), dir / "tree", fs::copy_options::recursive);
  ingest(db, {dir / "tree"}, {});
  const auto page = dir / "tree" / "_cache" / "develop" / "zlib" / "specs.md";
  const auto stamp = fs::last_write_time(page);

  // Same size, same time, other bytes (x86_64_v3 -> x86_64_v4): taken as
  // unchanged, as make and rsync would; proof that the file was not read.
  std::string text = testing::read_text(page);
  for (auto at = text.find("x86_64_v3"); at != std::string::npos; at = text.find("x86_64_v3", at))
    text.replace(at, 9, "x86_64_v4");
  testing::write_text(page, text);
  fs::last_write_time(page, stamp);
  auto same_stamp = ingest(db, {dir / "tree"}, {});
  CHECK(same_stamp.pages_unchanged == 3);
  CHECK(count(db, "SELECT count(*) FROM specs WHERE target = 'x86_64_v4'") == 0);

  // A new time makes it read: now the change is seen.
  fs::last_write_time(page, stamp + std::chrono::seconds(5));
  auto touched = ingest(db, {dir / "tree"}, {});
  CHECK(touched.pages_updated == 1);
  // Only …a3: …a1 is also listed by the dated snapshot, whose page sorts
  // after develop's and so describes it (x86_64_v3) in both releases.
  CHECK(count(db, "SELECT count(*) FROM specs WHERE target = 'x86_64_v4'") == 1);
  CHECK(count(db, "SELECT count(*) FROM specs WHERE target = 'x86_64_v3' AND hash LIKE '%a1'") == 2);

  // A file rewritten with the same bytes (a fresh checkout) is read, found
  // unchanged by its content, and its new stamp is stored for next time.
  const auto hdf5 = dir / "tree" / "_cache" / "develop" / "hdf5" / "specs.md";
  const std::string stored_time = "SELECT file_mtime_ns FROM page WHERE path = '" + hdf5.string() + "'";
  const auto before = count(db, stored_time);
  fs::last_write_time(hdf5, fs::last_write_time(hdf5) + std::chrono::seconds(7));
  auto checkout = ingest(db, {dir / "tree"}, {});
  CHECK(checkout.pages_unchanged == 3);
  CHECK(checkout.pages_updated == 0);
  struct stat st {};
  REQUIRE(::stat(hdf5.c_str(), &st) == 0);
  CHECK(count(db, stored_time) == static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
  CHECK(count(db, stored_time) != before);
}

TEST_CASE("a package with many stored specs: a page listing a few of them finds them by hash") {
  testing::TempDir dir;
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  auto spec = [](const std::string& hash, const std::string& stack) {
    return std::move(testing::SpecEntry(hash).target("zen4").stacks({stack, "root"}));
  };
  testing::CachePage many("v1", "big");
  for (int i = 0; i < 1100; ++i) {
    std::string hash = "h";  // (not "h" + ...: GCC 12 warns falsely on that, -Wrestrict)
    hash += std::to_string(i);
    many.spec(spec(hash, "e4s"));
  }
  many.write_to(dir / "tree" / "a.md");
  // More stored specs than the writer reads for a page of two.
  testing::CachePage("v2", "big").specs({spec("h7", "tutorial"), spec("new", "e4s")}).write_to(dir / "tree" / "b.md");
  auto s = ingest(db, {dir / "tree"}, {});
  CHECK(s.pages_added == 2);
  CHECK(s.specs_added == 1102);
  CHECK(s.findings.empty());
  CHECK(count(db, "SELECT count(*) FROM spec") == 1101);
  CHECK(count(db, "SELECT count(*) FROM specs WHERE release = 'v2'") == 2);
  CHECK(specs_with_wrong_stack_union(db) == 0);
  CHECK(count(db, "SELECT count(*) FROM spec_stacks WHERE hash = 'h7'") == 4);  // e4s, root in v1; tutorial, root in v2
}

TEST_CASE("empty texts on a page are stored as the empty texts they are, not as absent") {
  // A page may say "os": "" or list "" among its versions or stacks; the
  // schema holds such a text as '' (only an absent tarball is NULL, and an
  // empty compiler is 'none', as an absent one).
  testing::TempDir dir;
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  testing::CachePage("develop", "z")
      .spec(std::move(testing::SpecEntry("h1")
                          .compiler("")
                          .versions({""})
                          .os("")
                          .platform("")
                          .target("")
                          .stacks({"", "e4s"})
                          .tarball("")))
      .write(dir / "tree");
  auto s = ingest(db, {dir / "tree"}, {});
  CHECK(s.pages_rejected == 0);
  CHECK(s.pages_added == 1);
  CHECK(testing::dump_rows(db, {"SELECT hash || '|' || compiler || '|' || quote(version) || '|' || quote(os) || '|' || "
                                "quote(platform) || '|' || quote(target) || '|' || quote(tarball) FROM specs",
                                "SELECT quote(stack) FROM spec_stacks ORDER BY stack"}) ==
        "h1|none|''|''|''|''|NULL\n--\n"
        "''\n'e4s'\n--\n");
}
