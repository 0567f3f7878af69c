// Dimension values to ids (storage/interner.h): each value one row, its id
// the same however it is found (the slot of recent values, the cache, the
// table), and a cache that is emptied when full, not grown.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include <SQLiteCpp/Database.h>

#include "storage/interner.h"
#include "storage/migrations.h"
#include "test_support.h"

using cachedb::Interner;

TEST_CASE("interner: one row per value, the same id however often and in whatever order it is asked") {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE);
  cachedb::migrate(db);
  // A cache of 5: emptied again and again by 600 values, so that ids are
  // also found in the table, and the slots of recent values (256) are shared.
  Interner packages(db, "package", true, 5);
  std::map<std::string, std::int64_t> ids;
  for (int round = 0; round < 3; ++round)
    for (int i = 0; i < 600; ++i) {
      // Runs of one value, as edges name hub packages, between values met once.
      const std::string name = (i % 3 == 0) ? "gcc-runtime" : "pkg-" + std::to_string((i * 37 + round) % 600);
      bool inserted = false;
      const std::int64_t id = packages.id(name, &inserted);
      auto [it, first] = ids.try_emplace(name, id);
      CAPTURE(name);
      CHECK(inserted == first);
      CHECK(it->second == id);
    }
  CHECK(testing::dump_rows(db, {"SELECT count(*) FROM package"}) == std::to_string(ids.size()) + "\n--\n");
  for (const auto& [name, id] : ids) {
    SQLite::Statement q(db, "SELECT id FROM package WHERE name = ?");
    q.bind(1, name);
    REQUIRE(q.executeStep());
    CHECK(q.getColumn(0).getInt64() == id);
  }
  // Without a cache every call asks the table, and agrees.
  Interner uncached(db, "package", false);
  for (const auto& [name, id] : ids) CHECK(uncached.id(name) == id);
}
