#include "report/source_run.h"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <SQLiteCpp/Statement.h>

namespace cachedb {

std::optional<SourceRun> last_committed_run(SQLite::Database& db) {
  // 'ok' and 'rejected' runs committed; 'failed', 'interrupted' and 'running'
  // ones changed nothing a reader can see.
  SQLite::Statement st(db,
      "SELECT id, finished_at FROM ingest_runs WHERE status IN ('ok', 'rejected') ORDER BY id DESC LIMIT 1");
  if (!st.executeStep()) return std::nullopt;
  return SourceRun{st.getColumn(0).getInt64(), st.getColumn(1).getString()};
}

std::string describe(const std::optional<SourceRun>& run) {
  if (!run) return "no ingest run";
  return fmt::format("ingest run {}, committed {}", run->id, run->finished_at);
}

std::string source_json(const std::optional<SourceRun>& run) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  if (run) {
    w.StartObject();
    w.Key("run_id");
    w.Int64(run->id);
    w.Key("finished_at");
    w.String(run->finished_at.data(), static_cast<rapidjson::SizeType>(run->finished_at.size()));
    w.EndObject();
  } else {
    w.Null();
  }
  return {buffer.GetString(), buffer.GetSize()};
}

std::string markdown_source_line(const std::optional<SourceRun>& run) {
  return fmt::format("\n_Made from {}._\n", describe(run));
}

}  // namespace cachedb
