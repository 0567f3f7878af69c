// `cachedb export OUT.sqlite`: a copy of the database for readers anywhere.
#include <memory>

#include "cli/commands.h"
#include "storage/database.h"

namespace cachedb::cli {

Runner add_export_command(CLI::App& app, const GlobalOptions& global) {
  struct Args {
    std::string target;
    bool force = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "export", "Write a compact, analyzed copy of the database in rollback-journal mode, which any SQLite client "
                "opens read-only anywhere (a read-only mount, an image layer); safe while an ingest runs");
  cmd->add_option("out", args->target, "The copy to write, e.g. cachedb-copy.sqlite")->required();
  cmd->add_flag("--force", args->force, "Replace OUT when it exists");
  cmd->footer("Exit status: 0 the copy is written; 1 it could not be (nothing is left behind; also when OUT exists "
              "without --force, or the database cannot be read); 64 bad command line.");
  return [cmd, args, &global]() -> int {
    if (!*cmd) return -1;
    export_database(resolve_db_path(global.db), args->target, args->force);
    return kExitOk;
  };
}

}  // namespace cachedb::cli
