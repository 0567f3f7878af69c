// `cachedb list [SPEC...] [--release R]... [--format F]`
#include <unistd.h>

#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/scope_options.h"
#include "report/query_result.h"
#include "report/render.h"
#include "report/spec_list.h"
#include "report/text_table.h"
#include "storage/database.h"

namespace cachedb::cli {
namespace {

struct ListArgs {
  std::vector<std::string> spec;
  std::vector<std::string> releases;
  std::string format = "table";
};

const std::vector<std::string> kColumns = {"hash", "spec",     "package", "version", "compiler",
                                           "variants", "platform", "os",  "target",  "releases"};

// Every format but the table writes the spec's parts as columns, through the
// writers `cachedb sql` uses (json names the run the database was made by).
class ColumnsOut {
 public:
  ColumnsOut(Format format, RowOutput& out, const std::optional<SourceRun>& source)
      : sink_(make_row_writer(format, out, "cachedb list", source)) {
    std::vector<QueryColumn> columns;
    for (const auto& c : kColumns) columns.push_back({c, "TEXT"});
    sink_->begin(columns);
  }
  void write(const ListedSpec& s) {
    const std::string spec = spack_spec(s);
    // As the spec line writes them, without the space that sets a first
    // key=value off from what comes before it there.
    std::string variants = spack_variants(s.variants);
    if (variants.starts_with(' ')) variants.erase(0, 1);
    const std::string releases = fmt::format("{}", fmt::join(s.releases, ","));
    const std::string* parts[] = {&s.hash,     &spec,       &s.package, &s.version, &s.compiler,
                                  &variants,   &s.platform, &s.os,      &s.target,  &releases};
    values_.clear();
    for (const auto* p : parts) values_.push_back({QueryValue::Type::Text, *p, {}});
    sink_->row(values_);
  }
  void end() { sink_->end(); }

 private:
  std::unique_ptr<RowSink> sink_;
  std::vector<QueryValue> values_;
};

}  // namespace

Runner add_list_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<ListArgs>();
  auto* cmd = app.add_subcommand(
      "list", "List specs as 'spack buildcache list -lv' does, filtered by spec syntax (zlib@1.3 %gcc +pic target=zen4)");
  cmd->add_option("spec", args->spec,
                  "What to list, as Spack writes specs: NAME, @VERSION (1.3 means 1.3 or 1.3.x), %COMPILER[@VERSION], "
                  "+VARIANT, ~VARIANT, NAME=VALUE (a variant), arch=PLATFORM-OS-TARGET, platform=, os=, target=, "
                  "/HASH (its first characters); all must hold");
  add_release_option(cmd, args->releases);
  add_format_options(cmd, args->format, {"table", "csv", "tsv", "json", "ndjson"});
  cmd->footer(
      "Each spec once, by package, then version as Spack orders them. table: one line per spec, "
      "'hash7 name@version%compiler+variants key=value arch=platform-os-target'; csv, tsv, json, ndjson: "
      "hash, spec, package, version, compiler, variants, platform, os, target, releases.\n"
      "Exit status: 0 success (also when nothing matches: a warning says so); 1 fatal (the database cannot be "
      "read); 64 bad command line (unknown option or format, a spec that does not parse).");
  return [cmd, args, &global]() -> int {
    if (!*cmd) return -1;
    const Format format = parse_format(args->format);
    SpecFilter filter;
    try {
      filter = parse_spec_filter(args->spec);
    } catch (const Error& e) {
      throw UsageError(fmt::format("list: {}", e.what()));
    }
    auto db = open_database(resolve_db_path(global.db), OpenMode::ReadOnly);
    RowOutput out(STDOUT_FILENO, stdout_is_terminal());
    std::size_t n = 0;
    if (format == Format::Table) {
      std::string scratch;
      n = list_specs(db, filter, args->releases, [&](const ListedSpec& s) {
        // One line each, whatever a page or index wrote: a control character
        // in a value is shown escaped (\n, \x1b), as tables show it.
        out.put(shown_in_table(std::string_view(s.hash).substr(0, 7), scratch));
        out.put(" ");
        const std::string spec = spack_spec(s);
        out.put(shown_in_table(spec, scratch));
        out.put("\n");
        out.row_done();
      });
    } else {
      ColumnsOut columns(format, out, last_committed_run(db));
      n = list_specs(db, filter, args->releases, [&](const ListedSpec& s) {
        columns.write(s);
        out.row_done();
      });
      columns.end();
    }
    out.flush();
    if (n == 0) spdlog::warn("no spec matches");
    return kExitOk;
  };
}

}  // namespace cachedb::cli
