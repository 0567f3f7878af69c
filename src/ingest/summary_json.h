#pragma once
// The run summary as one JSON object, for scripts (`cachedb ingest --json`).
#include <string>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "ingest/ingester.h"
#include "ingest/run_counts.h"

namespace cachedb {

// {"run_id":…, "status":"ok"|"rejected", "exit_code":…, "pages":{…}, "specs":{…},
//  "prune_refused":…, "findings":N, "rejections":[{"path","line","message"}…]}
std::string summary_json(const IngestSummary& summary);

// Writes "pages": {"added", ...} and "specs": {"added", "removed"} into the
// object `w` is writing: the same shape in `ingest --json` and `runs --json`.
void write_counts(rapidjson::Writer<rapidjson::StringBuffer>& w, const RunCounts& c);

// The one line an operator reads at the end of a run.
std::string summary_line(const IngestSummary& summary);

// "; N findings ('cachedb runs --run R')" when the run found any, else "":
// the end of a page run's line and of an index run's (index_summary_line()).
std::string findings_clause(const IngestSummary& summary);

}  // namespace cachedb
