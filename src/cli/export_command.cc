// `cachedb export OUT.sqlite`: a copy of the database for readers anywhere.
#include <signal.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/stop_signals.h"
#include "storage/database.h"

namespace cachedb::cli {
namespace {

// The copy being written and its journal, for the signal handler: set before
// it is installed, read only.
std::string g_partial, g_journal;
constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void remove_partial_and_stop(int sig) {
  ::unlink(g_partial.c_str());
  ::unlink(g_journal.c_str());
  restore_default_action(sig);
  raise(sig);
}

// While it lives, SIGINT, SIGTERM or SIGHUP (Ctrl-C, `timeout`, a closed
// terminal) removes the half-written copy before the signal ends the
// process, as a failed export leaves nothing behind.
class RemovePartialWhenStopped {
 public:
  explicit RemovePartialWhenStopped(const std::filesystem::path& partial) {
    g_partial = partial.string();
    g_journal = g_partial + "-journal";
    for (int i = 0; i < 3; ++i) {
      struct sigaction old {};
      if (sigaction(kStopSignals[i], nullptr, &old) != 0 || old.sa_handler == SIG_IGN) continue;
      struct sigaction sa {};
      sa.sa_handler = remove_partial_and_stop;
      sigfillset(&sa.sa_mask);  // one handler at a time
      installed_[i] = sigaction(kStopSignals[i], &sa, nullptr) == 0;
    }
  }
  ~RemovePartialWhenStopped() {
    for (int i = 0; i < 3; ++i)
      if (installed_[i]) restore_default_action(kStopSignals[i]);
  }
  RemovePartialWhenStopped(const RemovePartialWhenStopped&) = delete;
  RemovePartialWhenStopped& operator=(const RemovePartialWhenStopped&) = delete;

 private:
  bool installed_[3] = {false, false, false};
};

}  // namespace

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
    const RemovePartialWhenStopped remove_when_stopped(export_partial_path(args->target));
    export_database(resolve_db_path(global.db), args->target, args->force);
    return kExitOk;
  };
}

}  // namespace cachedb::cli
