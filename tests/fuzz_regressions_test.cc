// Every input the fuzzers (fuzz/) ever broke cachedb with, kept in
// tests/fixtures/regressions/ and fed to both code paths they fuzz: the page
// parser, and one-page ingest into an in-memory database. Each file is listed
// below with what it must give, so a new regression cannot be dropped in
// without saying what correct behaviour is.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <string>

#include <SQLiteCpp/Database.h>

#include "error.h"
#include "formats/cache_page/page.h"
#include "ingest/ingester.h"
#include "storage/database.h"
#include "test_support.h"

using namespace cachedb;
namespace fs = std::filesystem;

namespace {

// File name → the rejection it must get ("" when the page must be accepted).
const std::map<std::string, std::string> kExpected = {
    // 'spec_details:' with nothing after it: memcpy from a null pointer (UBSan).
    {"empty_spec_details_value.md", "spec_details: invalid JSON at offset 0: The document is empty."},
    // A value ending in a UTF-8 lead byte: RapidJSON's in-situ validation read
    // past the end of the buffer (ASan, heap-buffer-overflow).
    {"utf8_lead_byte_at_end_of_spec_details.md", "spec_details: invalid UTF-8 at offset 2"},
};

std::string parse_outcome(const std::string& text) {
  try {
    parse_page(text);
    return "";
  } catch (const ParseError& e) {
    return e.what();
  }
}

}  // namespace

TEST_CASE("fuzzer regressions: each input gives its documented outcome on both paths") {
  const fs::path dir = testing::fixture("regressions");
  std::size_t seen = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name == "README.md") continue;
    ++seen;
    INFO(name);
    const auto expected = kExpected.find(name);
    REQUIRE_MESSAGE(expected != kExpected.end(), "add this file to kExpected with the outcome it must give");
    const std::string bytes = testing::read_text(entry.path());

    CHECK(parse_outcome(bytes) == expected->second);

    auto db = open_database(":memory:", OpenMode::ReadWrite);
    IngestSummary s;
    REQUIRE_NOTHROW(s = ingest_bytes(db, name, bytes, {}));
    if (expected->second.empty()) {
      CHECK(s.rejections.empty());
    } else {
      REQUIRE(s.rejections.size() == 1);
      CHECK(s.rejections[0].message == expected->second);
    }
    CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
  }
  CHECK(seen == kExpected.size());
}
