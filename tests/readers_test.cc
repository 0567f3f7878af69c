// The people who read the database rather than write it: `cachedb runs` telling
// a killed run from a live one; readers that never get "database is locked"
// and never pay for a WAL left behind; read-only copies (a read-only mount, a
// directory without write permission) and `cachedb export`, which makes them.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <rapidjson/document.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>

#include "child_process.h"
#include "corpus.h"
#include "ingest/lock.h"
#include "test_support.h"

namespace fs = std::filesystem;
using testing::ChildResult;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

ChildResult run(const fs::path& db, std::vector<std::string> args, std::vector<std::string> prefix = {}) {
  std::vector<std::string> argv = prefix;
  argv.insert(argv.end(), {testing::cachedb_binary(), "--db", db.string()});
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_child(argv, 120);
}

std::string basic() { return testing::fixture("basic").string(); }

std::int64_t count(const fs::path& db, const std::string& sql) {
  SQLite::Database c(db.string(), SQLite::OPEN_READONLY);
  return c.execAndGet(sql).getInt64();
}

// The status `cachedb runs --json` gives the newest run.
std::string newest_status(const fs::path& db) {
  const auto r = run(db, {"runs", "--json", "--limit", "1"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  rapidjson::Document doc;
  doc.Parse(r.out.c_str());
  REQUIRE(!doc.HasParseError());
  REQUIRE(doc.IsArray());
  REQUIRE(doc.Size() == 1);
  return doc[0]["status"].GetString();
}

void set_newest_status(const fs::path& db, const std::string& status) {
  SQLite::Database c(db.string(), SQLite::OPEN_READWRITE);
  c.exec("UPDATE ingest_runs SET status = '" + status + "', finished_at = NULL WHERE id = (SELECT max(id) FROM "
         "ingest_runs)");
}

}  // namespace

TEST_CASE("'cachedb runs' shows a killed run as interrupted, and a live one as running") {
  SUBCASE("kill -9 during a large ingest") {
    testing::TempDir dir;
    const auto db = dir / "db.sqlite";
    REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
    testing::CorpusShape shape;
    shape.packages = 3000;
    testing::write_corpus(dir / "big", shape);
    testing::Background ingest({"--db", db.string(), "ingest", (dir / "big").string()});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (ingest.running() && std::chrono::steady_clock::now() < deadline &&
           count(db, "SELECT count(*) FROM ingest_runs WHERE status = 'running'") == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ingest.kill9();
    if (count(db, "SELECT count(*) FROM ingest_runs WHERE status = 'running'") == 0) {
      MESSAGE("skipped: the ingest finished before it could be killed");
      return;
    }
    CHECK(newest_status(db) == "interrupted");
    const auto text = run(db, {"runs"});
    CHECK(contains(text.out, "interrupted"));
    CHECK_FALSE(contains(text.out, "running"));
    CHECK(contains(text.out, "the process stopped before it finished"));
    // `runs` only reads: the next ingest records it.
    CHECK(count(db, "SELECT count(*) FROM ingest_runs WHERE status = 'running'") == 1);
  }
  SUBCASE("the log says running: the ingest lock tells whether it is") {
    testing::TempDir dir;
    const auto db = dir / "db.sqlite";
    REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
    set_newest_status(db, "running");
    CHECK(newest_status(db) == "interrupted");
    {
      cachedb::IngestLock held(db);
      CHECK(newest_status(db) == "running");
    }
    CHECK(newest_status(db) == "interrupted");
  }
}

TEST_CASE("after an ingest the WAL is empty, even when a reader was attached as it closed") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
  testing::CorpusShape shape;
  shape.packages = 1500;
  const long rows = testing::write_corpus(dir / "big", shape);
  SQLite::Database reader(db.string(), SQLite::OPEN_READONLY);
  REQUIRE(reader.execAndGet("SELECT count(*) FROM specs").getInt64() == 7);
  const auto r = run(db, {"ingest", (dir / "big").string()});
  REQUIRE(r.exit_code == 0);
  const fs::path wal = db.string() + "-wal";
  // Else every reader that opens the database first rebuilds its index of the
  // WAL by reading all of it.
  CHECK((!fs::exists(wal) || fs::file_size(wal) == 0));
  CHECK(reader.execAndGet("SELECT count(*) FROM specs").getInt64() == 7 + rows);
}

TEST_CASE("a reader without a busy timeout is never refused while ingests start, write and close") {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  REQUIRE(run(db, {"ingest", basic()}).exit_code == 0);
  std::atomic<bool> stop{false};
  std::vector<std::string> refusals;
  long reads = 0;
  // As the sqlite3 shell reads by default: a connection of its own for each
  // query, no busy handler.
  std::thread reader([&] {
    while (!stop) {
      try {
        SQLite::Database c(db.string(), SQLite::OPEN_READONLY);
        c.execAndGet("SELECT count(*) FROM ingest_runs");
        ++reads;
      } catch (const SQLite::Exception& e) {
        refusals.push_back(e.what());
      }
    }
  });
  for (int i = 0; i < 20; ++i) CHECK(run(db, {"ingest", basic()}).exit_code == 0);
  stop = true;
  reader.join();
  MESSAGE(reads << " reads during 20 ingests");
  CHECK(reads > 0);
  INFO("first refusal: " << (refusals.empty() ? std::string() : refusals.front()));
  CHECK(refusals.size() == 0);
}
