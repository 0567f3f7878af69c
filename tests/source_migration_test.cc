// Migration 0006 (pages become source documents) carries a database forward:
// one made by the schema before it, holding data, ends as a fresh ingest of
// the same pages would have it, rows, ids and indexes alike. And an ingest
// into an empty database, which drops the secondary indexes and builds them
// again, ends with the indexes an upgraded database has, in the same order
// (which of two equally good indexes SQLite's planner takes depends on it).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "ingest/ingester.h"
#include "storage/database.h"
#include "storage/embedded_sql.h"
#include "storage/migrations.h"
#include "page_builder.h"
#include "test_support.h"

using namespace cachedb;
namespace fs = std::filesystem;

namespace {

testing::SpecEntry spec(const std::string& hash, const std::string& stack, const std::string& version = "1.0",
                        const std::string& target = "x86_64_v3") {
  auto s = testing::SpecEntry::typical(hash);
  s.versions({version}).target(target).variants({"+x", "y=a,b"}).stacks({stack, "root"});
  s.tarball(fmt::format("https://example.org/{}.spack", hash));
  return s;
}

// Two releases of a dozen packages, with hashes listed again by the next
// release, and two that pages disagree about (so spec_claim holds rows): one
// described with another version by the later release, one listed by two
// packages' pages of a release.
void write_tree(const fs::path& tree) {
  for (int r = 0; r < 2; ++r) {
    const std::string release = fmt::format("develop-2025-0{}-01", r + 1);
    for (int p = 0; p < 12; ++p) {
      testing::CachePage page(release, fmt::format("pkg{:02}", p));
      for (int s = 0; s < 1 + p % 3; ++s)
        page.spec(spec(fmt::format("h{:02}{}{}", p, s, s == 0 ? r : 0), p % 2 ? "e4s" : "tutorial", "1.0",
                       p % 2 ? "aarch64" : "x86_64_v3"));
      if (p == 3) page.spec(spec("contested-version", "e4s", r ? "2.0" : "1.0"));
      if (p == 4 || p == 5) page.spec(spec("two-packages", "e4s"));
      page.write(tree);
    }
  }
}

std::vector<std::string> lines_of(SQLite::Database& db, const std::string& sql) {
  std::vector<std::string> out;
  SQLite::Statement st(db, sql);
  while (st.executeStep()) {
    std::string row;
    for (int i = 0; i < st.getColumnCount(); ++i) {
      if (i) row += '|';
      row += st.getColumn(i).getString();
    }
    out.push_back(row);
  }
  return out;
}

// Every row of every table, ids included, but the ingest log's (its times
// and run numbers differ from run to run).
std::vector<std::string> all_rows(SQLite::Database& db) {
  std::vector<std::string> out;
  for (const auto& table : lines_of(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                        "'sqlite_%' AND name NOT LIKE 'ingest_%' ORDER BY name")) {
    out.push_back("table " + table);
    const int columns = db.execAndGet(fmt::format("SELECT count(*) FROM pragma_table_info('{}')", table)).getInt();
    std::string order = "1";
    for (int i = 2; i <= columns; ++i) order += fmt::format(", {}", i);
    for (auto& row : lines_of(db, fmt::format("SELECT * FROM \"{}\" ORDER BY {}", table, order)))
      out.push_back(std::move(row));
  }
  return out;
}

// Each table's indexes in the order SQLite keeps them (PRAGMA index_list, the
// order the planner meets them in) with their definitions, and every index's
// row of sqlite_master in rowid order, for each table.
std::vector<std::string> index_order(SQLite::Database& db) {
  std::vector<std::string> out;
  for (const auto& table :
       lines_of(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
    out.push_back("table " + table);
    for (auto& row : lines_of(db, fmt::format("SELECT seq, name, \"unique\", origin, partial FROM "
                                              "pragma_index_list('{}') ORDER BY seq",
                                              table)))
      out.push_back("  " + row);
    for (auto& row : lines_of(db, fmt::format("SELECT name, ifnull(sql, '') FROM sqlite_master WHERE type = 'index' "
                                              "AND tbl_name = '{}' ORDER BY rowid",
                                              table)))
      out.push_back("  " + row);
  }
  return out;
}

// A database at schema version 5, as the cachedb before source documents
// made it: the released migrations 0001 to 0005, then the rows of `fresh`
// put back into the tables as they were then (page for source, page_id for
// source_id).
void write_version_5(const fs::path& path, const fs::path& fresh) {
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  for (const auto& f : embedded_sql())
    if (f.name.starts_with("migrations/000") && f.name < "migrations/0006") db.exec(std::string(f.text));
  db.exec("PRAGMA user_version = 5");
  db.exec(fmt::format("PRAGMA application_id = {}", kApplicationId));
  db.exec("ATTACH DATABASE '" + fresh.string() + "' AS fresh");
  db.exec("BEGIN");
  for (const auto& table : lines_of(db, "SELECT name FROM fresh.sqlite_master WHERE type = 'table' AND name NOT IN "
                                        "('source', 'release_spec', 'spec_claim') AND name NOT LIKE 'sqlite_%' "
                                        // tables of later versions are not there yet (nor are their rows, pages have none)
                                        "AND name IN (SELECT name FROM main.sqlite_master)"))
  {
    // The columns the table had then (later versions add some, as spec's compiler_by_dependency).
    std::string columns;
    for (const auto& c : lines_of(db, fmt::format("SELECT name FROM pragma_table_info('{}')", table)))
      columns += (columns.empty() ? "\"" : ", \"") + c + "\"";
    db.exec(fmt::format("INSERT INTO main.\"{0}\"({1}) SELECT {1} FROM fresh.\"{0}\"", table, columns));
  }
  db.exec("INSERT INTO page(id, release_id, package_id, path, content_hash, file_size, file_mtime_ns, ingested_at) "
          "SELECT id, release_id, key_id, path, content_hash, file_size, file_mtime_ns, ingested_at "
          "FROM fresh.source WHERE kind = 'page'");
  db.exec("INSERT INTO release_spec(release_id, spec_id, page_id, stack_set_id, package_id, compiler_id, os_id, "
          "platform_id, target_id, size, tarball) SELECT release_id, spec_id, source_id, stack_set_id, package_id, "
          "compiler_id, os_id, platform_id, target_id, size, tarball FROM fresh.release_spec");
  db.exec("INSERT INTO spec_claim(spec_id, page_id, package_id, version, compiler_id, os_id, platform_id, target_id, "
          "variant_set_id, stack_set_id, size, tarball) SELECT spec_id, source_id, package_id, version, compiler_id, "
          "os_id, platform_id, target_id, variant_set_id, stack_set_id, size, tarball FROM fresh.spec_claim");
  db.exec("COMMIT");
  db.exec("DETACH DATABASE fresh");
}

}  // namespace

TEST_CASE("a database of schema version 5 with data is carried to sources: it equals a fresh ingest") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  write_tree(tree);
  const auto fresh_path = dir / "fresh.sqlite";
  auto fresh = open_database(fresh_path, OpenMode::ReadWrite);
  const auto loaded = ingest(fresh, {tree}, {});
  REQUIRE(loaded.pages_added == 24);
  // The data holds what the migration must carry: contested hashes and their claims.
  REQUIRE(fresh.execAndGet("SELECT count(*) FROM spec_claim").getInt() > 0);
  REQUIRE(fresh.execAndGet("SELECT count(*) FROM spec WHERE contested = 1").getInt() == 2);
  empty_wal(fresh);

  const auto old_path = dir / "old.sqlite";
  write_version_5(old_path, fresh_path);
  {
    SQLite::Database old(old_path.string(), SQLite::OPEN_READONLY);
    REQUIRE(schema_version(old) == 5);
    REQUIRE(old.execAndGet("SELECT count(*) FROM page").getInt() == 24);
    REQUIRE(old.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'source'").getInt() == 0);
  }

  auto migrated = open_database(old_path, OpenMode::ReadWrite);
  CHECK(schema_version(migrated) == latest_schema_version());
  CHECK(all_rows(migrated) == all_rows(fresh));
  CHECK(testing::dump_analyst_views(migrated) == testing::dump_analyst_views(fresh));
  // The page view shows the pages as the table did.
  CHECK(lines_of(migrated, "SELECT * FROM page ORDER BY id") ==
        lines_of(fresh, "SELECT id, release_id, key_id, path, content_hash, file_size, file_mtime_ns, ingested_at "
                        "FROM source ORDER BY id"));
  CHECK(migrated.execAndGet("PRAGMA integrity_check").getString() == "ok");
  CHECK(migrated.execAndGet("SELECT count(*) FROM pragma_foreign_key_check").getInt() == 0);
  // Foreign keys are on again once the migration is done.
  CHECK(migrated.execAndGet("PRAGMA foreign_keys").getInt() == 1);

  // The bulk-loaded database and the upgraded one: same indexes, same
  // definitions, same order.
  CHECK(index_order(migrated) == index_order(fresh));

  // Stamps and content hashes came along: the next ingest reads nothing anew.
  const auto again = ingest(migrated, {tree}, {});
  CHECK(again.pages_unchanged == 24);
  CHECK(again.pages_added + again.pages_updated == 0);
  CHECK(all_rows(migrated) == all_rows(fresh));
}

TEST_CASE("an ingest into an empty database ends with the indexes, in the order, the migrations make") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  write_tree(tree);
  // Only the migrations: nothing was dropped or built again.
  auto made = open_database(dir / "made.sqlite", OpenMode::ReadWrite);
  auto loaded = open_database(dir / "loaded.sqlite", OpenMode::ReadWrite);
  REQUIRE(ingest(loaded, {tree}, {}).pages_added == 24);
  const auto want = index_order(made);
  CHECK(index_order(loaded) == want);
  // The indexes a bulk load drops are among them (the comparison compares something).
  for (const char* name : {"release_spec_by_release", "release_spec_by_spec", "source_by_path", "spec_by_dims"})
    CHECK(std::any_of(want.begin(), want.end(), [&](const std::string& line) {
      return line.starts_with(std::string("  ") + name + "|CREATE INDEX");
    }));
}
