// storage/page_cache.h. The pool can be given to SQLite only before SQLite
// starts, which in the main test runner some other test has always done, and
// once per process: each case runs in a process of its own (tests/meson.build
// names one per meson test).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

#include "storage/database.h"
#include "storage/page_cache.h"

namespace {

// One of SQLite's process-wide counters (sqlite3_status64).
struct Counter {
  sqlite3_int64 current = 0, highwater = 0;
};
Counter status(int op) {
  Counter c;
  REQUIRE(sqlite3_status64(op, &c.current, &c.highwater, 0) == SQLITE_OK);
  return c;
}

}  // namespace

TEST_CASE("page cache pool: taken before SQLite starts, used by its caches, given once") {
  constexpr std::size_t kPages = 8;
  REQUIRE(cachedb::reserve_page_cache(kPages));
  CHECK_FALSE(cachedb::reserve_page_cache(kPages));  // once per process

  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec(fmt::format("PRAGMA page_size = {}", cachedb::kNewDatabasePageBytes));
  db.exec("CREATE TABLE t (x TEXT)");
  // Some hundred pages of rows: the pool's slots are all taken, and the
  // cache goes on in malloc'd memory.
  db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
          "INSERT INTO t SELECT printf('%0100d', i) FROM n");
  CHECK(db.execAndGet("SELECT count(*) FROM t").getInt() == 20000);
  CHECK(status(SQLITE_STATUS_PAGECACHE_USED).highwater == static_cast<sqlite3_int64>(kPages));
  CHECK(status(SQLITE_STATUS_PAGECACHE_OVERFLOW).current > 0);
}

TEST_CASE("page cache pool: refused once SQLite has started, and SQLite goes on as before") {
  REQUIRE(sqlite3_initialize() == SQLITE_OK);
  CHECK_FALSE(cachedb::reserve_page_cache(4));
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  CHECK(db.execAndGet("SELECT 1").getInt() == 1);
}
