// The reference schema (schema/schema.sql) must be exactly what the migrations
// build, and the migration machinery must upgrade old files and refuse new ones.
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "error.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/sqlite_errors.h"
#include "test_support.h"

using namespace cachedb;

namespace {

// Every schema object with SQL, by type and name, normalized.
std::map<std::string, std::string> schema_objects(SQLite::Database& db) {
  return testing::schema_objects(db, "sql IS NOT NULL");
}

}  // namespace

TEST_CASE("applying every migration to an empty database yields schema/schema.sql") {
  SQLite::Database migrated(":memory:", SQLite::OPEN_READWRITE);
  migrate(migrated, NewDatabase::by_migrations);
  CHECK(schema_version(migrated) == latest_schema_version());

  SQLite::Database reference(":memory:", SQLite::OPEN_READWRITE);
  reference.exec(testing::read_text(testing::source_root() / "schema" / "schema.sql"));

  const auto want = schema_objects(reference), got = schema_objects(migrated);
  REQUIRE(!want.empty());
  // (Not structured bindings: clang 14, which builds the fuzzers, cannot
  // capture them in the lambda INFO() makes.)
  for (const auto& object : want) {
    const std::string& name = object.first;
    INFO(name);
    REQUIRE(got.count(name) == 1);
    CHECK(got.at(name) == object.second);
  }
  for (const auto& object : got) {
    const std::string& name = object.first;
    INFO(name);
    CHECK(want.count(name) == 1);
  }
}

TEST_CASE("a new database is made from schema/schema.sql, as the migrations would make it") {
  SQLite::Database migrated(":memory:", SQLite::OPEN_READWRITE);
  migrate(migrated, NewDatabase::by_migrations);
  SQLite::Database made(":memory:", SQLite::OPEN_READWRITE);
  migrate(made);
  CHECK(schema_version(made) == latest_schema_version());
  const auto want = schema_objects(migrated), got = schema_objects(made);
  REQUIRE(!want.empty());
  CHECK(got == want);
  // Migrating again finds nothing to do.
  migrate(made);
  CHECK(schema_objects(made) == want);
}

TEST_CASE("a database that holds something at version 0 is migrated step by step, not made anew") {
  // Not cachedb's, or made by another process meanwhile: schema.sql is not
  // run over it (its CREATE TABLEs would fail on what is there).
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE);
  db.exec("CREATE TABLE notes(text TEXT)");
  migrate(db);
  CHECK(schema_version(db) == latest_schema_version());
  CHECK(db.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'notes'").getInt() == 1);
  CHECK(db.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'spec'").getInt() == 1);
}

TEST_CASE("opening a database upgrades it; a newer one is refused and left alone") {
  testing::TempDir dir;
  const auto path = dir / "cache.sqlite";
  {
    auto db = open_database(path, OpenMode::ReadWrite);
    CHECK(schema_version(db) == latest_schema_version());
    db.exec("INSERT INTO release(name) VALUES ('develop')");
  }
  {
    // Reopening is idempotent and keeps the data.
    auto db = open_database(path, OpenMode::ReadWrite);
    CHECK(db.execAndGet("SELECT count(*) FROM release").getInt() == 1);
    db.exec("PRAGMA user_version = 999");
  }
  try {
    open_database(path, OpenMode::ReadWrite);
    FAIL("a newer schema was accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("newer") != std::string::npos);
    CHECK(std::string(e.what()).find(path.string()) != std::string::npos);
  }
  SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("SELECT count(*) FROM release").getInt() == 1);
}

TEST_CASE("a file that is not a database, or a directory, is refused with its path") {
  testing::TempDir dir;
  testing::write_text(dir / "notes.sqlite", std::string(4096, 'x'));
  CHECK_THROWS_WITH_AS(open_database(dir / "notes.sqlite", OpenMode::ReadWrite),
                       doctest::Contains("notes.sqlite"), Error);
  CHECK(testing::read_text(dir / "notes.sqlite") == std::string(4096, 'x'));
  CHECK_THROWS_WITH_AS(open_database(dir.path(), OpenMode::ReadWrite), doctest::Contains("directory"), Error);
  CHECK_THROWS_WITH_AS(open_database(dir / "missing.sqlite", OpenMode::ReadOnly),
                       doctest::Contains("cachedb ingest"), Error);
}

TEST_CASE("a full disk names where SQLite keeps its temporary files too: a full one fails a run as well") {
  testing::TempDir dir;
  const char* before = std::getenv("SQLITE_TMPDIR");
  const std::string saved = before ? before : "";
  ::setenv("SQLITE_TMPDIR", dir.path().c_str(), 1);
  const std::string message =
      cachedb::describe_sqlite_error(SQLite::Exception("database or disk is full", SQLITE_FULL), nullptr);
  if (before) ::setenv("SQLITE_TMPDIR", saved.c_str(), 1);
  else ::unsetenv("SQLITE_TMPDIR");
  CHECK(message == "no room left to write (disk full, on the database's file system or on " + dir.path().string() +
                       ", where SQLite keeps its temporary files): database or disk is full");
}
