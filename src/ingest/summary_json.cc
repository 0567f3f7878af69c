#include "ingest/summary_json.h"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace cachedb {

void write_counts(rapidjson::Writer<rapidjson::StringBuffer>& w, const RunCounts& c) {
  auto field = [&](const char* name, std::int64_t v) {
    w.Key(name);
    w.Int64(v);
  };
  w.Key("pages");
  w.StartObject();
  field("added", c.pages_added);
  field("updated", c.pages_updated);
  field("unchanged", c.pages_unchanged);
  field("removed", c.pages_removed);
  field("rejected", c.pages_rejected);
  field("skipped", c.pages_skipped);
  field("legacy", c.pages_legacy);
  w.EndObject();
  w.Key("specs");
  w.StartObject();
  field("added", c.specs_added);
  field("removed", c.specs_removed);
  w.EndObject();
}

std::string summary_json(const IngestSummary& s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto field = [&](const char* name, std::int64_t v) {
    w.Key(name);
    w.Int64(v);
  };
  w.StartObject();
  field("run_id", s.run_id);
  w.Key("status");
  w.String(s.status());
  field("exit_code", s.exit_code());
  write_counts(w, s);
  w.Key("prune_refused");
  w.Bool(s.prune_refused);
  field("findings", static_cast<std::int64_t>(s.findings.size()));
  w.Key("rejections");
  w.StartArray();
  for (const auto& r : s.rejections) {
    w.StartObject();
    w.Key("path");
    w.String(r.path.c_str(), static_cast<rapidjson::SizeType>(r.path.size()));
    w.Key("line");
    if (r.line) w.Uint64(r.line);
    else w.Null();
    w.Key("message");
    w.String(r.message.c_str(), static_cast<rapidjson::SizeType>(r.message.size()));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string summary_line(const IngestSummary& s) {
  std::string line = fmt::format(
      "ingest run {}: pages {} added, {} updated, {} unchanged, {} removed, {} rejected, {} skipped, {} legacy; "
      "specs {} added, {} removed",
      s.run_id, s.pages_added, s.pages_updated, s.pages_unchanged, s.pages_removed, s.pages_rejected,
      s.pages_skipped, s.pages_legacy, s.specs_added, s.specs_removed);
  line += findings_clause(s);
  if (s.prune_refused) line += "; prune refused";
  return line;
}

std::string findings_clause(const IngestSummary& s) {
  if (s.findings.empty()) return {};
  return fmt::format("; {} findings ('cachedb runs --run {}')", s.findings.size(), s.run_id);
}

}  // namespace cachedb
