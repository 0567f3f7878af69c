// libFuzzer target: one page's bytes ingested into an empty in-memory database,
// through the same code as `cachedb ingest` (parse, normalize, write). The page
// is either stored or rejected; afterwards the database must pass SQLite's
// integrity and foreign-key checks and the stacks-by-target report must run.
// Anything else (a crash, a sanitizer report, another exception) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>

#include "error.h"
#include "ingest/ingester.h"
#include "report/matrix.h"
#include "storage/database.h"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "ingest_page_fuzzer: %s\n", what.c_str());
  std::abort();
}

void check_database(SQLite::Database& db) {
  if (db.execAndGet("PRAGMA integrity_check").getString() != "ok") fail("integrity_check failed");
  SQLite::Statement fk(db, "PRAGMA foreign_key_check");
  if (fk.executeStep()) fail("foreign_key_check found a dangling reference in " + fk.getColumn(0).getString());
  cachedb::MatrixOptions options;
  options.include_root = true;
  (void)cachedb::run_matrix(db, "stacks-by-target", options);
}

// One database for the whole run, emptied after each input: creating and
// migrating a database per input made the target ten times slower. Empty
// tables give the same ids and the same behaviour as a fresh database.
SQLite::Database& database() {
  static SQLite::Database db = cachedb::open_database(":memory:", cachedb::OpenMode::ReadWrite);
  return db;
}

void empty(SQLite::Database& db) {
  std::vector<std::string> tables;
  SQLite::Statement q(db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  while (q.executeStep()) tables.push_back(q.getColumn(0).getString());
  db.exec("PRAGMA foreign_keys = OFF");
  for (const auto& t : tables) db.exec("DELETE FROM \"" + t + "\"");
  db.exec("PRAGMA foreign_keys = ON");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Rejections are the expected outcome for most inputs: keep them quiet.
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    SQLite::Database& db = database();
    const auto first = cachedb::ingest_bytes(db, "fuzz/specs.md", bytes, {});
    check_database(db);
    // The same page again, under another name: nothing may change, and the
    // replace-a-page path must cope with whatever the first pass stored.
    const auto again = cachedb::ingest_bytes(db, "fuzz/again/specs.md", bytes, {});
    if (again.specs_added != 0 || again.specs_removed != 0) fail("re-ingesting identical bytes changed specs");
    if (first.rejections.size() != again.rejections.size()) fail("a page was rejected only once");
    check_database(db);
    empty(db);
  } catch (const cachedb::Error& e) {
    fail(std::string("fatal error on one page: ") + e.what());
  }
  return 0;
}
