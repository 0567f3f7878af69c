// `cachedb schema`
#include "cli/commands.h"
#include "report/schema_doc.h"

namespace cachedb::cli {

Runner add_schema_command(CLI::App& app, const GlobalOptions&) {
  // The schema is the one this cachedb builds, so no database is needed.
  auto* cmd = app.add_subcommand("schema", "Describe the views and tables, a line on each column");
  cmd->footer("Exit status: 0 success; 64 bad command line.");
  return [cmd]() -> int {
    if (!*cmd) return -1;
    return write_stdout(render_schema_doc(schema_doc())) ? kExitOk : kExitFatal;
  };
}

}  // namespace cachedb::cli
