#pragma once
// Reads and validates pages exactly as an ingest would, but writes nothing
// and needs no database: a pre-flight check for a fresh checkout before the
// nightly ingest, and what the benchmark measures as "read and parse alone".
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ingest/ingester.h"

namespace cachedb {

struct CheckSummary {
  std::int64_t pages = 0;      // cache pages that would be stored
  std::int64_t spec_rows = 0;  // the specs they list
  std::int64_t bytes = 0;      // the bytes read
  std::int64_t skipped = 0;    // passed over, or not a cache page
  std::int64_t legacy = 0;     // pages of the 2021 site
  std::vector<Rejection> rejections;

  // As ingest: 0 when every page is good, 2 when some would be rejected.
  int exit_code() const { return rejections.empty() ? 0 : 2; }
};

// Logs each rejection (error) and passed-over file (warning) as ingest does.
// Throws Error when an input does not exist, or when the walk runs out of file
// descriptors or memory (OutOfResources): part of the tree went unchecked.
// `threads`: as IngestOptions::threads (0: one per CPU the process may use).
CheckSummary check_pages(const std::vector<std::filesystem::path>& inputs, std::uintmax_t max_page_bytes,
                         unsigned threads = 0);

// "checked N pages (M spec rows, B bytes): R rejected, S skipped, L legacy"
std::string summary_line(const CheckSummary& summary);

}  // namespace cachedb
