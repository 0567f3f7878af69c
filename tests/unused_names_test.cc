// The name and set tables hold what the cache has now: a release, package,
// OS, target, variant or stack set that no row refers to any more leaves with
// the run that left it so, as a fresh ingest of the same input never has it;
// and an upgrade deletes those that earlier cachedb versions left behind.
#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "error.h"
#include "index_builder.h"
#include "ingest/index_ingest.h"
#include "ingest/ingester.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "page_builder.h"
#include "test_support.h"

using namespace cachedb;
namespace fs = std::filesystem;

// IndexInput{path, release, stack}: the rest as default, as the other index tests write them.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace {

// One column of every row of `sql`, comma-separated, in its order.
std::string names(SQLite::Database& db, const std::string& sql) {
  std::string out;
  SQLite::Statement st(db, sql);
  while (st.executeStep()) out += (out.empty() ? "" : ",") + st.getColumn(0).getString();
  return out;
}

std::string fresh_names(const std::vector<fs::path>& trees) {
  testing::TempDir dir;
  auto db = open_database(dir / "fresh.sqlite", OpenMode::ReadWrite);
  REQUIRE(ingest(db, trees, {}).rejections.empty());
  return testing::dump_name_tables(db);
}

// An empty database at the latest schema, in memory.
SQLite::Database migrated_memory_db() {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE);
  migrate(db);
  return db;
}

void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("a page rewritten and a page pruned take their names with them; the tables equal a fresh ingest's") {
  testing::TempDir dir;
  const auto a = dir / "a", b = dir / "b";
  testing::CachePage("develop", "zlib")
      .spec(testing::SpecEntry::typical("h1").os("rhel7").target("haswell").variants({"+old", "k=x,y"})
                .stacks({"e4s", "root"}))
      .write(a);
  testing::CachePage("v0.21", "gone").spec(testing::SpecEntry::typical("h2").stacks({"tutorial", "root"})).write(b);
  testing::CachePage("v0.21", "kept")
      .spec(testing::SpecEntry::typical("h4").os("rhel8").target("zen4").variants({}).stacks({"ml", "root"}))
      .write(b);
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  REQUIRE(ingest(db, {a, b}, {}).rejections.empty());
  CHECK(names(db, "SELECT name FROM os ORDER BY 1") == "rhel7,rhel8,ubuntu22.04");
  CHECK(names(db, "SELECT name FROM release ORDER BY 1") == "develop,v0.21");

  // The night after: zlib's page now lists another build, and v0.21's page of gone left the tree.
  testing::CachePage("develop", "zlib")
      .spec(testing::SpecEntry::typical("h3").os("rhel8").target("zen4").variants({"+new"}).stacks({"ml", "root"}))
      .write(a);
  fs::remove_all(b / "_cache" / "v0.21" / "gone");
  IngestOptions prune;
  prune.prune = true;
  const auto s = ingest(db, {a, b}, prune);
  REQUIRE(s.rejections.empty());
  CHECK(s.pages_updated == 1);
  CHECK(s.pages_removed == 1);

  CHECK(names(db, "SELECT name FROM release ORDER BY 1") == "develop,v0.21");
  CHECK(names(db, "SELECT name FROM package ORDER BY 1") == "kept,zlib");
  CHECK(names(db, "SELECT name FROM os ORDER BY 1") == "rhel8");
  CHECK(names(db, "SELECT name FROM target ORDER BY 1") == "zen4");
  CHECK(names(db, "SELECT name FROM stack ORDER BY 1") == "ml,root");
  CHECK(names(db, "SELECT text FROM variant ORDER BY 1") == "+new");
  CHECK(names(db, "SELECT value FROM variant_value ORDER BY 1") == "true");
  CHECK(names(db, "SELECT count(*) FROM stack_set") == "1");
  CHECK(names(db, "SELECT count(*) FROM variant_set") == "2");  // {+new} and h4's empty one
  CHECK(names(db, "SELECT count(*) FROM pragma_foreign_key_check") == "0");
  CHECK(testing::dump_name_tables(db) == fresh_names({a, b}));
}

TEST_CASE("an index replaced by one with other builds, then its release pruned: no name of it is left") {
  testing::TempDir dir;
  const std::string h1 = testing::dag_hash("one"), h2 = testing::dag_hash("two");
  write_text(dir / "v1.json",
             testing::index_json({{.hash = h1, .package = "zlib", .os = "rhel7", .target = "haswell",
                                   .parameters = {{"shared", "true"}}}}));
  auto db = migrated_memory_db();
  const std::vector<IndexInput> night1 = {{(dir / "v1.json").string(), "v1", "root", {}}};
  REQUIRE(ingest_indexes(db, night1, {}).rejections.empty());
  CHECK(names(db, "SELECT name FROM target ORDER BY 1") == "haswell");

  write_text(dir / "v1.json",
             testing::index_json({{.hash = h2, .package = "zstd", .os = "rhel8", .target = "zen4",
                                   .parameters = {{"shared", "false"}}}}));
  REQUIRE(ingest_indexes(db, night1, {}).rejections.empty());
  CHECK(names(db, "SELECT name FROM package ORDER BY 1") == "zstd");
  CHECK(names(db, "SELECT name FROM os ORDER BY 1") == "rhel8");
  CHECK(names(db, "SELECT name FROM target ORDER BY 1") == "zen4");
  CHECK(names(db, "SELECT text FROM variant ORDER BY 1") == "~shared");

  // A listing that no longer names v1 at all, pruned: the database is empty of it.
  write_text(dir / "v2.json", testing::index_json({{.hash = h1, .package = "zlib"}}));
  IndexIngestOptions prune;
  prune.prune = true;
  const auto s = ingest_indexes(db, {{(dir / "v2.json").string(), "v2", "e4s", {}}}, prune);
  REQUIRE(s.rejections.empty());
  CHECK(s.indexes_pruned == 1);
  CHECK(names(db, "SELECT name FROM release ORDER BY 1") == "v2");
  CHECK(names(db, "SELECT name FROM package ORDER BY 1") == "zlib");
  CHECK(names(db, "SELECT name FROM os ORDER BY 1") == "ubuntu24.04");
  CHECK(names(db, "SELECT name FROM stack ORDER BY 1") == "e4s");
  CHECK(names(db, "SELECT count(*) FROM variant") == "0");
  CHECK(names(db, "SELECT count(*) FROM pragma_foreign_key_check") == "0");
}

TEST_CASE("a database of schema version 10 holding names nothing refers to: the upgrade deletes them") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  testing::CachePage("develop", "zlib").spec(testing::SpecEntry::typical("h1").variants({"+x"})).write(tree);
  const auto path = dir / "old.sqlite";
  {
    auto db = open_database(path, OpenMode::ReadWrite);
    REQUIRE(ingest(db, {tree}, {}).rejections.empty());
    // What earlier versions left: the names of a page rewritten or a release pruned.
    db.exec("INSERT INTO release(name) VALUES ('v0.20'); INSERT INTO package(name) VALUES ('gone');"
            "INSERT INTO os(name) VALUES ('rhel6'); INSERT INTO target(name) VALUES ('core2');"
            "INSERT INTO compiler(label, name, version) VALUES ('gcc@4.8.5', 'gcc', '4.8.5');"
            "INSERT INTO stack(name) VALUES ('old-stack');"
            "INSERT INTO stack_set(key) VALUES ((SELECT id FROM stack WHERE name = 'old-stack') || ',');"
            "INSERT INTO stack_set_member VALUES ((SELECT max(id) FROM stack_set), "
            "(SELECT id FROM stack WHERE name = 'old-stack'));"
            "INSERT INTO variant(text, name) VALUES ('~old', 'old');"
            "INSERT INTO variant_value VALUES ((SELECT id FROM variant WHERE text = '~old'), 0, 'false');"
            "INSERT INTO variant_set(key) VALUES ((SELECT id FROM variant WHERE text = '~old') || ',');"
            "INSERT INTO variant_set_member VALUES ((SELECT max(id) FROM variant_set), "
            "(SELECT id FROM variant WHERE text = '~old'));"
            // Nor had version 10 what version 13 adds.
            "DROP TRIGGER spec_redescribed_compiler_node;"
            "PRAGMA user_version = 10");
    REQUIRE(testing::dump_name_tables(db) != fresh_names({tree}));
  }
  // Read-only commands ask for the upgrade; an ingest makes it, even one that finds nothing changed.
  CHECK_THROWS_WITH_AS(open_database(path, OpenMode::ReadOnly), doctest::Contains("run 'cachedb ingest'"), Error);
  auto db = open_database(path, OpenMode::ReadWrite);
  CHECK(schema_version(db) == latest_schema_version());
  CHECK(ingest(db, {tree}, {}).pages_unchanged == 1);
  CHECK(testing::dump_name_tables(db) == fresh_names({tree}));
  CHECK(names(db, "SELECT count(*) FROM pragma_foreign_key_check") == "0");
}

TEST_CASE("a run that stores no document leaves no name behind: an index rejected or refused, a page refused") {
  testing::TempDir dir;
  const std::string good = testing::read_text(testing::fixture("index/db-v8.json"));
  write_text(dir / "good.json", good);
  write_text(dir / "bad.json", good.substr(0, good.size() / 2));  // cut short
  const std::vector<IndexInput> night = {{(dir / "good.json").string(), "v1", "s1", {}}};
  auto fresh = migrated_memory_db();
  REQUIRE(ingest_indexes(fresh, night, {}).rejections.empty());
  const std::string want = testing::dump_name_tables(fresh);

  auto db = migrated_memory_db();
  REQUIRE(ingest_indexes(db, night, {}).rejections.empty());
  // Its release and stack are named before it is read: the rejection must not keep them.
  CHECK(ingest_indexes(db, {{(dir / "bad.json").string(), "v2", "brandnew", {}}}, {}).rejections.size() == 1);
  CHECK(testing::dump_name_tables(db) == want);
  // A page for a release read from indexes is refused, its package named before.
  testing::CachePage("v1", "newpkg").spec(testing::SpecEntry::typical("p1")).write(dir / "tree");
  CHECK(ingest(db, {dir / "tree"}, {}).rejections.size() == 1);
  CHECK(testing::dump_name_tables(db) == want);
  CHECK(ingest_indexes(db, night, {}).pages_unchanged == 1);
  CHECK(testing::dump_name_tables(db) == want);
}

TEST_CASE("pages replaced by an index: a spec another release lists as a dependency only has no stacks, as fresh") {
  testing::TempDir dir;
  const std::string dep = testing::dag_hash("dep");
  // Release x1's page lists dep in stack xs; release i1's index lists it as a dependency only.
  testing::CachePage("x1", "dep").spec(testing::SpecEntry::typical(dep).stacks({"xs", "root"})).write(dir / "tree");
  testing::IndexSpec dep_node{.hash = dep, .package = "dep"};
  dep_node.in_buildcache = false;
  write_text(dir / "i1.json", testing::index_json({dep_node}));
  write_text(dir / "x1.json", testing::index_json({}));  // x1 read from an index now: an empty one
  const std::vector<IndexInput> indexes = {{(dir / "i1.json").string(), "i1", "root", {}},
                                           {(dir / "x1.json").string(), "x1", "root", {}}};
  auto fresh = migrated_memory_db();
  REQUIRE(ingest_indexes(fresh, indexes, {}).rejections.empty());

  auto db = migrated_memory_db();
  REQUIRE(ingest(db, {dir / "tree"}, {}).rejections.empty());
  REQUIRE(ingest_indexes(db, {indexes[0]}, {}).rejections.empty());
  IndexIngestOptions replace;
  replace.replace_release_kind = true;
  REQUIRE(ingest_indexes(db, {indexes[1]}, replace).rejections.empty());
  CHECK(names(db, "SELECT ss.key FROM spec s JOIN stack_set ss ON ss.id = s.all_stack_set_id WHERE s.hash = '" + dep +
                      "'") == "-");
  CHECK(names(db, "SELECT name FROM stack ORDER BY 1") == "root");
  CHECK(testing::dump_name_tables(db) == testing::dump_name_tables(fresh));
  CHECK(names(db, "SELECT count(*) FROM pragma_foreign_key_check") == "0");
}

TEST_SUITE_BEGIN("process");

TEST_CASE("an index read again from stdin with the same bytes leaves no name behind") {
  testing::TempDir dir;
  const std::string db = "--db " + testing::shell_quote((dir / "db.sqlite").string());
  const std::string v6 = testing::read_text(testing::fixture("index/db-v6.json"));
  const std::string args = db + " -q ingest --index - --release v1 --stack s1";
  REQUIRE(testing::run_cachedb_with_input(args, v6).exit_code == 0);
  SQLite::Database once((dir / "db.sqlite").string(), SQLite::OPEN_READONLY);
  const std::string want = testing::dump_name_tables(once);
  REQUIRE(testing::run_cachedb_with_input(args, v6).exit_code == 0);
  SQLite::Database twice((dir / "db.sqlite").string(), SQLite::OPEN_READONLY);
  CHECK(testing::dump_name_tables(twice) == want);
}

TEST_SUITE_END();
