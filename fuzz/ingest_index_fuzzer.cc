// libFuzzer target: one build-cache index's bytes ingested through the same
// code as `cachedb ingest --index` (read, normalize, write, derive the release
// rows), into an empty database, as two stacks of one release. The index is
// stored or rejected; afterwards the database must pass SQLite's integrity and
// foreign-key checks and the stacks-by-target report must run. The same bytes
// again are found unchanged; rejected, they are rejected again. Anything else
// (a crash, a sanitizer report, another exception) is a bug.
//
// The reader on arbitrary bytes is read_index_fuzzer's; this one is for what
// the writer makes of the indexes the reader accepts (keys given twice, a
// spec depending on itself, a compiler node that comes later or never...).
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include <SQLiteCpp/Database.h>
#include <spdlog/spdlog.h>

#include "error.h"
#include "fuzz_database.h"
#include "ingest/index_ingest.h"
#include "storage/database.h"

namespace {

constexpr const char* kName = "ingest_index_fuzzer";

// The index is read from a file, as the ingest reads it: one in memory
// (memfd), named by its /proc path, so that nothing is left on disk whichever
// way the fuzzer ends.
const std::string& index_file() {
  static const std::string path = [] {
    const int fd = memfd_create("index.json", 0);
    if (fd < 0) fuzzing::fail(kName, "memfd_create failed");
    return "/proc/self/fd/" + std::to_string(fd);
  }();
  return path;
}

void write_index(const std::uint8_t* data, std::size_t size) {
  std::ofstream out(index_file(), std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) fuzzing::fail(kName, "cannot write the index");
}

SQLite::Database& database() {
  static SQLite::Database db = cachedb::open_database(":memory:", cachedb::OpenMode::ReadWrite);
  return db;
}

cachedb::IngestSummary ingest(SQLite::Database& db, const char* stack) {
  return cachedb::ingest_indexes(db, {cachedb::IndexInput{index_file(), "develop", stack, {}, {}, {}}}, {});
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Rejections are the expected outcome for most inputs: keep them quiet.
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  write_index(data, size);
  try {
    SQLite::Database& db = database();
    const auto root = ingest(db, "root");
    fuzzing::check_database(kName, db);
    const auto e4s = ingest(db, "e4s");
    if (root.rejections.size() != e4s.rejections.size()) fuzzing::fail(kName, "an index rejected for one stack only");
    fuzzing::check_database(kName, db);
    // The same file again: unchanged, or rejected again.
    const auto again = ingest(db, "root");
    if (again.specs_added != 0 || again.specs_removed != 0)
      fuzzing::fail(kName, "re-ingesting identical bytes changed specs");
    if (again.rejections.size() != root.rejections.size()) fuzzing::fail(kName, "an index rejected only once");
    fuzzing::check_database(kName, db);
    fuzzing::empty(db);
  } catch (const cachedb::Error& e) {
    fuzzing::fail(kName, std::string("fatal error on one index: ") + e.what());
  }
  return 0;
}
