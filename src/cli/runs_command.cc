// `cachedb runs`: the recent ingest runs and what they rejected or noticed.
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cli/commands.h"
#include "ingest/lock.h"
#include "ingest/run_history.h"
#include "ingest/summary_json.h"
#include "storage/database.h"

namespace cachedb::cli {
namespace {

struct RunsArgs {
  int limit = 10;
  std::optional<std::int64_t> run;
  int notes = 20;
  bool json = false;
};

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i) line += "  ";
      line += i == 0 || i >= 4 ? fmt::format("{:>{}}", row[i], width[i]) : fmt::format("{:<{}}", row[i], width[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  return out;
}

std::string note_line(const RunNote& n) {
  if (n.type == "error")
    return n.line ? fmt::format("  rejected  {}:{}: {}", n.path, n.line, n.message)
                  : fmt::format("  rejected  {}: {}", n.path, n.message);
  return fmt::format("  finding   {}/{} [{}]: {}", n.release, n.package, n.kind, n.message);
}

std::string render_text(SQLite::Database& db, const std::vector<RunRecord>& runs, int notes_per_run) {
  std::vector<std::vector<std::string>> rows = {{"run", "started", "finished", "status", "added", "updated",
                                                 "unchanged", "removed", "rejected", "skipped", "specs+", "specs-",
                                                 "findings"}};
  for (const auto& r : runs)
    rows.push_back({std::to_string(r.id), r.started_at, r.finished_at.empty() ? "-" : r.finished_at,
                    r.status + (r.prune_refused ? " (prune refused)" : ""), std::to_string(r.pages_added),
                    std::to_string(r.pages_updated), std::to_string(r.pages_unchanged),
                    std::to_string(r.pages_removed), std::to_string(r.pages_rejected),
                    std::to_string(r.pages_skipped), std::to_string(r.specs_added),
                    std::to_string(r.specs_removed), std::to_string(r.findings)});
  std::string out = format_table(rows);
  for (const auto& r : runs) {
    const auto notes = run_notes(db, r.id, notes_per_run);
    if (notes.empty() && r.message.empty()) continue;
    out += fmt::format("\nrun {} ({}):\n", r.id, r.status);
    if (!r.message.empty()) out += "  " + r.message + "\n";
    for (const auto& n : notes) out += note_line(n) + "\n";
    const std::int64_t total = r.pages_rejected + r.findings;
    if (notes_per_run >= 0 && total > static_cast<std::int64_t>(notes.size()))
      out += fmt::format("  ... and {} more ('cachedb runs --run {} --notes -1' lists all)\n",
                         total - static_cast<std::int64_t>(notes.size()), r.id);
  }
  return out;
}

std::string render_json(SQLite::Database& db, const std::vector<RunRecord>& runs, int notes_per_run) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&](const char* key, const std::string& v) {
    w.Key(key);
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  };
  auto num = [&](const char* key, std::int64_t v) {
    w.Key(key);
    w.Int64(v);
  };
  w.StartArray();
  for (const auto& r : runs) {
    w.StartObject();
    num("id", r.id);
    str("started_at", r.started_at);
    w.Key("finished_at");
    if (r.finished_at.empty()) w.Null();
    else w.String(r.finished_at.c_str());
    str("status", r.status);
    str("inputs", r.inputs);
    w.Key("prune");
    w.Bool(r.prune);
    w.Key("force");
    w.Bool(r.force);
    w.Key("prune_refused");
    w.Bool(r.prune_refused);
    write_counts(w, r);
    w.Key("message");
    if (r.message.empty()) w.Null();
    else w.String(r.message.c_str());
    w.Key("errors");
    w.StartArray();
    const auto notes = run_notes(db, r.id, notes_per_run);
    for (const auto& n : notes) {
      if (n.type != "error") continue;
      w.StartObject();
      str("path", n.path);
      w.Key("line");
      if (n.line) w.Int64(n.line);
      else w.Null();
      str("message", n.message);
      w.EndObject();
    }
    w.EndArray();
    w.Key("findings");
    w.StartArray();
    for (const auto& n : notes) {
      if (n.type != "finding") continue;
      w.StartObject();
      str("path", n.path);
      str("release", n.release);
      str("package", n.package);
      str("kind", n.kind);
      w.Key("hash");
      if (n.hash.empty()) w.Null();
      else w.String(n.hash.c_str());
      str("message", n.message);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

}  // namespace

Runner add_runs_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<RunsArgs>();
  auto* cmd = app.add_subcommand("runs", "Show recent ingest runs, their rejected pages and data-quality findings");
  cmd->add_option("-n,--limit", args->limit, "How many runs, newest first")->capture_default_str()->check(
      whole_number(1));
  cmd->add_option("--run", args->run, "Show only this run")->check(whole_number(1, std::numeric_limits<long long>::max()));
  cmd->add_option("--notes", args->notes, "Rejections and findings shown per run (-1: all)")
      ->capture_default_str()
      ->check(whole_number(-1));
  cmd->add_flag("--json", args->json, "Print the runs as a JSON array");
  cmd->footer("Exit status: 0 success; 1 no such run (--run), or the database cannot be read; "
              "64 bad command line (unknown option, a count out of range).");
  return [cmd, args, &global]() -> int {
    if (!*cmd) return -1;
    const auto path = resolve_db_path(global.db);
    // Opened before the connection and closed after it (see IngestLockProbe).
    IngestLockProbe lock(path);
    auto db = open_database(path, OpenMode::ReadOnly);
    const auto runs = recent_runs(db, args->limit, args->run, [&lock] { return lock.ingest_running(); });
    if (args->run && runs.empty()) throw Error(fmt::format("runs: there is no run {} ('cachedb runs' lists them)", *args->run));
    const std::string text = args->json ? render_json(db, runs, args->notes) : render_text(db, runs, args->notes);
    return write_stdout(text) ? kExitOk : kExitFatal;
  };
}

}  // namespace cachedb::cli
