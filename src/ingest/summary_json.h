#pragma once
// The run summary as one JSON object, for scripts (`cachedb ingest --json`).
#include <string>

#include "ingest/ingester.h"

namespace cachedb {

// {"run_id":…, "status":"ok"|"rejected", "exit_code":…, "pages":{…}, "specs":{…},
//  "prune_refused":…, "findings":N, "rejections":[{"path","line","message"}…]}
std::string summary_json(const IngestSummary& summary);

// The one line an operator reads at the end of a run.
std::string summary_line(const IngestSummary& summary);

}  // namespace cachedb
