#pragma once
// Looking at a database from outside while, or after, a cachedb process
// writes it: what the kill -9 and reader tests of an ingest compare.
#include <cstdint>
#include <filesystem>
#include <string>

#include "test_support.h"

namespace testing {

// The stacks-by-target matrix with totals, as CSV, from `cachedb report`.
std::string report_csv(const std::filesystem::path& db);

// The one integer `sql` selects, read through a connection of its own.
std::int64_t count(const std::filesystem::path& db, const std::string& sql);

// PRAGMA integrity_check: "ok" for a sound database.
std::string integrity(const std::filesystem::path& db);

// Waits (up to 20 s) until `proc` has logged its run as `status`: a run newer
// than `last_run` (an older one may still read 'running' after a kill). True
// when it was seen so; false when the process ended (or 20 s passed) first.
bool wait_for_run(const std::filesystem::path& db, Background& proc, std::int64_t last_run, const std::string& status);

// wait_for_run(..., "running"): the run then holds the lock and is about to write.
bool wait_until_running(const std::filesystem::path& db, Background& proc, std::int64_t last_run);

}  // namespace testing
