#include "database_probe.h"

#include <chrono>
#include <thread>

#include <doctest/doctest.h>
#include <SQLiteCpp/Database.h>

namespace testing {

std::string report_csv(const std::filesystem::path& db) {
  auto r = run_cachedb("--db " + shell_quote(db.string()) + " report --matrix stacks-by-target --format csv --totals");
  REQUIRE(r.exit_code == 0);
  return r.out;
}

std::int64_t count(const std::filesystem::path& db, const std::string& sql) {
  SQLite::Database c(db.string(), SQLite::OPEN_READONLY);
  return c.execAndGet(sql).getInt64();
}

std::string integrity(const std::filesystem::path& db) {
  SQLite::Database c(db.string(), SQLite::OPEN_READONLY);
  return c.execAndGet("PRAGMA integrity_check").getString();
}

bool wait_for_run(const std::filesystem::path& db, Background& proc, std::int64_t last_run, const std::string& status) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  const std::string sql =
      "SELECT count(*) FROM ingest_runs WHERE status = '" + status + "' AND id > " + std::to_string(last_run);
  while (Clock::now() < deadline && proc.running()) {
    try {
      if (count(db, sql) > 0) return true;
    } catch (const std::exception&) {
      // Not created or not migrated yet, or busy for a moment: asked again.
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

bool wait_until_running(const std::filesystem::path& db, Background& proc, std::int64_t last_run) {
  return wait_for_run(db, proc, last_run, "running");
}

}  // namespace testing
