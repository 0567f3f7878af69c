// The storage layer's SQLite idiom (storage/statement.h, transaction.h):
// bind counts checked, statements reset by their guard, transactions and
// savepoints undone unless finished, PRAGMAs restored, errors that carry the
// statement and the database.
#include <doctest/doctest.h>

#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <fmt/format.h>

#include "storage/multi_row_insert.h"
#include "storage/sqlite_errors.h"
#include "storage/statement.h"
#include "storage/transaction.h"
#include "test_support.h"

using namespace cachedb;

namespace {

SQLite::Database scratch() {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE);
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER)");
  return db;
}

int rows(SQLite::Database& db) { return db.execAndGet("SELECT count(*) FROM t").getInt(); }

}  // namespace

TEST_CASE("a statement given too many or too few values is refused before it runs") {
  auto db = scratch();
  Statement insert(db, "INSERT INTO t(name, n) VALUES (?, ?)");
  CHECK(insert.parameter_count() == 2);
  CHECK_THROWS_WITH_AS(insert("a"), doctest::Contains("given 1 values for its 2 parameters"), SqlError);
  CHECK_THROWS_WITH_AS(insert("a", 1, 2), doctest::Contains("given 3 values for its 2 parameters"), SqlError);
  // One at a time: the third is refused at its bind, a missing one at the step.
  {
    auto use = insert.use();
    use("a")(1);
    CHECK_THROWS_WITH_AS(use(2), doctest::Contains("more than its 2 parameters"), SqlError);
  }
  {
    auto use = insert.use();
    use("a");
    CHECK_THROWS_WITH_AS(use.exec(), doctest::Contains("run with 1 of its 2 parameters bound"), SqlError);
  }
  CHECK(rows(db) == 0);
  insert("a", 1).exec();
  CHECK(rows(db) == 1);
}

TEST_CASE("named parameters are bound by name, and a name the statement lacks is an error") {
  auto db = scratch();
  Statement insert(db, "INSERT INTO t(name, n) VALUES (:name, :n)");
  insert.use().bind(":n", 7).bind(":name", "seven").exec();
  CHECK(db.execAndGet("SELECT name || n FROM t").getString() == "seven7");
  CHECK_THROWS_WITH_AS(insert.use().bind(":nope", 1), doctest::Contains("no parameter named :nope"), SqlError);
  // Half bound by name is still too few.
  CHECK_THROWS_AS(insert.use().bind(":n", 1).exec(), SqlError);
}

TEST_CASE("a statement's guard resets it and clears its bindings, however its scope is left") {
  auto db = scratch();
  Statement insert(db, "INSERT INTO t(name, n) VALUES (?, ?)");
  Statement select(db, "SELECT name FROM t WHERE n >= ? ORDER BY n");
  insert("a", 1).exec();
  insert("b", 2).exec();
  {
    auto row = select(0);
    REQUIRE(row.next());
    CHECK(row.text(0) == "a");
    // Left with a row still to read.
  }
  // Reset: no read is left pending (one would keep this DROP from running:
  // "database table is locked"), and a new run starts over.
  CHECK_NOTHROW(db.exec("CREATE TABLE u(x); DROP TABLE u"));
  {
    auto row = select(2);
    REQUIRE(row.next());
    CHECK(row.text(0) == "b");
    CHECK_FALSE(row.next());
  }
  try {
    auto row = select(0);
    REQUIRE(row.next());
    throw std::runtime_error("left by an exception");
  } catch (const std::runtime_error&) {
  }
  CHECK_NOTHROW(db.exec("CREATE TABLE u(x); DROP TABLE u"));
  auto row = select(1);
  CHECK(row.next());
}

TEST_CASE("a failed statement's error carries the statement with its values and the database") {
  testing::TempDir dir;
  const auto path = (dir / "x.sqlite").string();
  SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER)");
  Statement insert(db, "INSERT INTO t(name, n) VALUES (?, ?)");
  insert("dup", 1).exec();
  try {
    insert("dup", 2).exec();
    FAIL("a duplicate name was inserted");
  } catch (const SqlError& e) {
    CHECK(e.getErrorCode() == SQLITE_CONSTRAINT);
    CHECK(e.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE);
    CHECK(testing::contains(e.what(), "UNIQUE constraint failed: t.name"));
    CHECK(e.sql() == "INSERT INTO t(name, n) VALUES ('dup', 2)");
    CHECK(e.database() == path);
  }
  // Still a SQLite::Exception, for the callers that catch those.
  CHECK_THROWS_AS(insert("dup", 3).exec(), SQLite::Exception);
  CHECK_THROWS_WITH_AS(Statement(db, "SELECT x FROM nowhere"), doctest::Contains("no such table: nowhere"),
                       SqlError);
  // Prepared when first run: made without complaint, the same error then, and
  // then again (nothing half-prepared is kept).
  Statement later(db, "SELECT x FROM nowhere", Prepare::when_first_run);
  CHECK(later.sql() == "SELECT x FROM nowhere");
  CHECK_THROWS_WITH_AS(later(), doctest::Contains("no such table: nowhere"), SqlError);
  CHECK_THROWS_WITH_AS(later.use(), doctest::Contains("no such table: nowhere"), SqlError);
  // Made before its table, it sees the table it finds when first run.
  Statement count(db, "SELECT count(*) FROM made_later", Prepare::when_first_run);
  db.exec("CREATE TABLE made_later(x)");
  db.exec("INSERT INTO made_later VALUES (1), (2)");
  auto row = count();
  REQUIRE(row.next());
  CHECK(row.int64(0) == 2);
  try {
    exec(db, "INSERT INTO t(name) VALUES ('dup')");
  } catch (const SqlError& e) {
    CHECK(e.sql() == "INSERT INTO t(name) VALUES ('dup')");
  }
}

TEST_CASE("a transaction is rolled back unless committed; a savepoint undoes only its own part") {
  auto db = scratch();
  {
    Transaction tx(db);
    exec(db, "INSERT INTO t(name) VALUES ('gone')");
  }
  CHECK(rows(db) == 0);
  try {
    Transaction tx(db);
    exec(db, "INSERT INTO t(name) VALUES ('gone')");
    exec(db, "INSERT INTO t(name) VALUES ('gone')");  // fails: the name is taken
    tx.commit();
  } catch (const SqlError&) {
  }
  CHECK(rows(db) == 0);
  CHECK(sqlite3_get_autocommit(db.getHandle()) == 1);
  {
    Transaction tx(db);
    exec(db, "INSERT INTO t(name) VALUES ('kept')");
    {
      Savepoint inner(db, "inner");
      exec(db, "INSERT INTO t(name) VALUES ('undone')");
      {
        Savepoint innermost(db, "innermost");
        exec(db, "INSERT INTO t(name) VALUES ('undone too')");
      }
      CHECK(rows(db) == 2);
    }
    CHECK(rows(db) == 1);
    {
      Savepoint released(db, "released");
      exec(db, "INSERT INTO t(name) VALUES ('released')");
      released.release();
    }
    tx.commit();
  }
  CHECK(db.execAndGet("SELECT group_concat(name, ',') FROM (SELECT name FROM t ORDER BY id)").getString() ==
        "kept,released");
  CHECK(sqlite3_get_autocommit(db.getHandle()) == 1);
}

TEST_CASE("a pragma scope puts the previous value back") {
  auto db = scratch();
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA cache_size = -4096");
  {
    PragmaScope fk(db, "foreign_keys", "OFF");
    PragmaScope cache(db, "cache_size", "-100");
    CHECK(fk.previous() == "1");
    CHECK(db.execAndGet("PRAGMA foreign_keys").getInt() == 0);
    CHECK(db.execAndGet("PRAGMA cache_size").getInt() == -100);
  }
  CHECK(db.execAndGet("PRAGMA foreign_keys").getInt() == 1);
  CHECK(db.execAndGet("PRAGMA cache_size").getInt() == -4096);
}

TEST_CASE("a multi-row insert stores every row in order, with a statement per power of two rows at most") {
  auto db = scratch();
  MultiRowInsert insert(db, "INSERT INTO t(name, n) VALUES (?, ?);", 64);
  auto prepared = [&] {
    int n = 0;
    for (sqlite3_stmt* st = sqlite3_next_stmt(db.getHandle(), nullptr); st; st = sqlite3_next_stmt(db.getHandle(), st))
      ++n;
    return n;
  };
  const int before = prepared();
  std::vector<int> all;
  int next = 0;
  // Every count of rows from 0 to 200: full statements of 64, and what is
  // left in pieces of 32, 16, ... 1.
  for (int count = 0; count <= 200; ++count) {
    std::vector<int> batch;
    for (int i = 0; i < count; ++i) batch.push_back(next++);
    insert.insert_all(std::span<const int>(batch), [](auto& use, int v) { use(fmt::format("r{}", v))(v); });
    all.insert(all.end(), batch.begin(), batch.end());
  }
  CHECK(rows(db) == static_cast<int>(all.size()));
  CHECK(db.execAndGet("SELECT count(*) FROM t WHERE name = 'r' || n").getInt() == rows(db));
  // Stored in the order given: ids follow the values.
  CHECK(db.execAndGet("SELECT count(*) FROM t WHERE id = n + 1").getInt() == rows(db));
  // 64, 32, 16, 8, 4, 2 and 1 rows: seven statements, not one per count left over.
  CHECK(prepared() - before == 7);
  CHECK(insert.piece(200) == 64);
  CHECK(insert.piece(63) == 32);
  CHECK(insert.piece(1) == 1);
}
