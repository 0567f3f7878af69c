// An ingest into an empty database builds its indexes after loading (see
// PageWriter::begin_bulk_load). The database it leaves must be the one an
// ingest into a database that already held data would have left: the same
// rows, and every index of schema/schema.sql.
#include <doctest/doctest.h>

#include <fstream>
#include <map>

#include <fmt/format.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "error.h"
#include "ingest/ingester.h"
#include "storage/bulk_load.h"
#include "storage/database.h"
#include "storage/transaction.h"
#include "storage/unused_names.h"
#include "page_builder.h"
#include "test_support.h"

using namespace cachedb;
namespace fs = std::filesystem;

namespace {

std::int64_t count(SQLite::Database& db, const std::string& sql) { return db.execAndGet(sql).getInt64(); }

// A binary of `stack` (and root) with two variants, one of them multi-valued.
testing::SpecEntry spec(const std::string& hash, const std::string& stack, const std::string& target = "x86_64_v3",
                        const std::string& os = "ubuntu22.04") {
  auto s = testing::SpecEntry::typical(hash);
  s.os(os).target(target).variants({"+x", "y=a,b"}).stacks({stack, "root"});
  return s;
}

// Three releases of 40 packages; most hashes are listed again by the next
// release, some in other stacks, and each release brings new ones.
void write_tree(const fs::path& tree) {
  const char* stacks[] = {"e4s", "tutorial", "ml-linux-x86_64-cuda"};
  for (int r = 0; r < 3; ++r) {
    const std::string release = fmt::format("develop-2025-0{}-01", r + 1);
    for (int p = 0; p < 40; ++p) {
      testing::CachePage page(release, fmt::format("pkg{:02}", p));
      for (int s = 0; s < 1 + p % 5; ++s) {
        const int generation = s == 0 ? r : 0;  // the first spec of a page is new in each release
        page.spec(spec(fmt::format("h{:03}{}{}", p, s, generation), stacks[(p + s + (s == 1 ? r : 0)) % 3],
                       p % 2 ? "aarch64" : "x86_64_v3"));
      }
      page.write(tree);
    }
  }
}

// Every row of the data tables, by value (ids may differ between two databases).
std::string dump(SQLite::Database& db) { return testing::dump_pages_stored(db); }

// The indexes (autoindexes included), by name, normalized.
std::map<std::string, std::string> indexes(SQLite::Database& db) {
  return testing::schema_objects(db, "type = 'index'");
}

std::map<std::string, std::string> reference_indexes() {
  SQLite::Database reference(":memory:", SQLite::OPEN_READWRITE);
  reference.exec(testing::read_text(testing::source_root() / "schema" / "schema.sql"));
  return indexes(reference);
}

// The database as an ingest into a non-empty database leaves it: a page of
// another release first, in a run of its own, then the tree.
std::string incremental_dump(const fs::path& dir, const fs::path& tree) {
  testing::CachePage("seed", "seed").spec(spec("seedhash", "e4s")).write_to(dir / "seed" / "specs.md");
  auto db = open_database(dir / "incremental.sqlite", OpenMode::ReadWrite);
  ingest(db, {dir / "seed"}, {});
  ingest(db, {tree}, {});
  db.exec("DELETE FROM release_spec WHERE spec_id = (SELECT id FROM spec WHERE hash = 'seedhash')");
  db.exec("DELETE FROM spec_version WHERE spec_id = (SELECT id FROM spec WHERE hash = 'seedhash')");
  db.exec("DELETE FROM spec WHERE hash = 'seedhash'");
  db.exec("DELETE FROM source WHERE release_id = (SELECT id FROM release WHERE name = 'seed')");
  delete_unused_names(db);  // as a run that had removed them would
  return dump(db);
}

}  // namespace

TEST_CASE("an ingest into an empty database has every index and the rows an incremental ingest has") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  write_tree(tree);
  auto db = open_database(dir / "bulk.sqlite", OpenMode::ReadWrite);
  auto s = ingest(db, {tree}, {});
  CHECK(s.pages_added == 120);
  CHECK(s.exit_code() == 0);

  CHECK(indexes(db) == reference_indexes());
  CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
  CHECK(count(db, "SELECT count(*) FROM pragma_foreign_key_check") == 0);
  CHECK(dump(db) == incremental_dump(dir.path(), tree));
  // The indexes answer: a report query that reads release_spec_by_spec.
  CHECK(count(db, "SELECT count(*) FROM release_spec INDEXED BY release_spec_by_spec WHERE spec_id > 0") ==
        count(db, "SELECT count(*) FROM release_spec"));
  // The index build's small cache, sorter thread and temporary files were for
  // the build only: the connection is left as open_database() set it.
  CHECK(count(db, "PRAGMA cache_size") == -8192);
  CHECK(count(db, "PRAGMA temp_store") == 2);  // MEMORY
  CHECK(count(db, "PRAGMA threads") == 0);

  // The next run finds every page unchanged.
  auto again = ingest(db, {tree}, {});
  CHECK(again.pages_unchanged == 120);
  CHECK(indexes(db) == reference_indexes());
}

TEST_CASE("an empty database: a second file for a page and a hash described anew in the same run") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  write_tree(tree);
  // The same (release, package) twice: the second file is passed over (the
  // first in the walk's order is the page), while the indexes are missing.
  testing::CachePage("develop-2025-03-01", "pkg07")
      .specs({spec("h07000", "tutorial", "aarch64"), spec("fresh", "e4s")})
      .write_to(tree / "_cache" / "develop-2025-03-01" / "pkg07" / "zz-copy.md");
  // A hash another package's page stored, with another target: a conflict,
  // which needs the index by spec while the others are still missing.
  testing::CachePage("develop-2025-03-01", "zz-other").spec(spec("h01100", "e4s", "zen4")).write(tree);
  auto db = open_database(dir / "bulk.sqlite", OpenMode::ReadWrite);
  auto s = ingest(db, {tree}, {});
  CHECK(s.pages_updated == 0);
  CHECK(s.pages_skipped == 1);
  REQUIRE(s.findings.size() == 2);
  CHECK(s.findings[0].kind == "duplicate_page");
  CHECK(s.findings[1].kind == "hash_conflict");
  CHECK(indexes(db) == reference_indexes());
  CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
  CHECK(dump(db) == incremental_dump(dir.path(), tree));
}

TEST_CASE("a fatal error in an ingest into an empty database leaves it empty, with every index") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  write_tree(tree);
  testing::CachePage("develop-2025-03-01", "zz-boom").spec(spec("boom", "e4s")).write(tree);
  auto db = open_database(dir / "bulk.sqlite", OpenMode::ReadWrite);
  db.exec("CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.spec WHEN NEW.hash = 'boom' "
          "BEGIN SELECT RAISE(ABORT, 'the disk is on fire'); END");
  CHECK_THROWS_WITH_AS(ingest(db, {tree}, {}), doctest::Contains("nothing was changed"), Error);
  db.exec("DROP TRIGGER refuse");
  CHECK(count(db, "SELECT count(*) FROM page") == 0);
  CHECK(count(db, "SELECT count(*) FROM spec") == 0);
  CHECK(indexes(db) == reference_indexes());

  // The next run loads it all.
  fs::remove_all(tree / "_cache" / "develop-2025-03-01" / "zz-boom");
  auto s = ingest(db, {tree}, {});
  CHECK(s.pages_added == 120);
  CHECK(indexes(db) == reference_indexes());
  CHECK(dump(db) == incremental_dump(dir.path(), tree));
}

namespace {

std::string journal_mode(SQLite::Database& db) { return db.execAndGet("PRAGMA journal_mode").getString(); }

// Header bytes 18 and 19: 2 in WAL mode, 1 with a rollback journal.
int file_format(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char header[20] = {};
  in.read(header, sizeof header);
  return header[18];
}

}  // namespace

TEST_CASE("a load into an empty database is written with a rollback journal, then the database is in WAL mode again") {
  testing::TempDir dir;
  const auto path = dir / "bulk.sqlite";
  auto db = open_database(path, OpenMode::ReadWrite);
  REQUIRE(journal_mode(db) == "wal");
  {
    DirectLoadJournal journal(db);
    CHECK(journal.active());
    CHECK(journal_mode(db) == "delete");
    CHECK(file_format(path) == 1);
    Transaction tx(db);
    db.exec("INSERT INTO release(name) VALUES ('develop')");
    // The empty database's pages are journaled, nothing else goes beside it.
    CHECK(fs::exists(dir / "bulk.sqlite-journal"));
    CHECK_FALSE(fs::exists(dir / "bulk.sqlite-wal"));
    tx.commit();
  }
  CHECK(journal_mode(db) == "wal");
  CHECK(file_format(path) == 2);
  CHECK(count(db, "SELECT count(*) FROM release") == 1);
  CHECK_FALSE(fs::exists(dir / "bulk.sqlite-journal"));

  SUBCASE("a database that holds a document is written through the write-ahead log") {
    testing::CachePage("develop", "zlib").spec(spec("h1", "e4s")).write(dir / "tree");
    ingest(db, {dir / "tree"}, {});
    DirectLoadJournal journal(db);
    CHECK_FALSE(journal.active());
    CHECK(journal_mode(db) == "wal");
  }
  SUBCASE("while another connection has it open, it is not waited for: WAL mode stays") {
    SQLite::Database reader(path.string(), SQLite::OPEN_READONLY);
    cachedb::Transaction snapshot(reader, Begin::Deferred);  // a read transaction, held open
    CHECK(reader.execAndGet("SELECT count(*) FROM release").getInt() == 1);
    DirectLoadJournal journal(db);
    CHECK_FALSE(journal.active());
    CHECK(journal_mode(db) == "wal");
    // The connection waits out others' locks again afterwards.
    CHECK(db.execAndGet("SELECT count(*) FROM release").getInt() == 1);
  }
  SUBCASE("an ingest into it leaves it in WAL mode, with its rows") {
    testing::CachePage("develop", "zlib").spec(spec("h1", "e4s")).write(dir / "tree");
    auto s = ingest(db, {dir / "tree"}, {});
    CHECK(s.pages_added == 1);
    CHECK(journal_mode(db) == "wal");
    CHECK(count(db, "SELECT count(*) FROM spec") == 1);
  }
}
