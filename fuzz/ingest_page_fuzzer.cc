// libFuzzer target: one page's bytes ingested into an empty in-memory database,
// through the same code as `cachedb ingest` (parse, normalize, write). The page
// is either stored or rejected; afterwards the database must pass SQLite's
// integrity and foreign-key checks and the stacks-by-target report must run.
// Anything else (a crash, a sanitizer report, another exception) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <SQLiteCpp/Database.h>
#include <spdlog/spdlog.h>

#include "error.h"
#include "fuzz_database.h"
#include "ingest/ingester.h"
#include "storage/database.h"

namespace {

constexpr const char* kName = "ingest_page_fuzzer";

SQLite::Database& database() {
  static SQLite::Database db = cachedb::open_database(":memory:", cachedb::OpenMode::ReadWrite);
  return db;
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
    fuzzing::check_database(kName, db);
    // The same page again, under another name: nothing may change, and the
    // replace-a-page path must cope with whatever the first pass stored.
    const auto again = cachedb::ingest_bytes(db, "fuzz/again/specs.md", bytes, {});
    if (again.specs_added != 0 || again.specs_removed != 0)
      fuzzing::fail(kName, "re-ingesting identical bytes changed specs");
    if (first.rejections.size() != again.rejections.size()) fuzzing::fail(kName, "a page was rejected only once");
    fuzzing::check_database(kName, db);
    fuzzing::empty(db);
  } catch (const cachedb::Error& e) {
    fuzzing::fail(kName, std::string("fatal error on one page: ") + e.what());
  }
  return 0;
}
