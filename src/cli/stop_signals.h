#pragma once
// SIGINT, SIGTERM or SIGHUP during `cachedb ingest` (Ctrl-C, `timeout`, a
// scheduler stopping the job, a closed terminal): the process still ends by
// the signal, as before (exit status 128 + N; SQLite's journal keeps the
// database as the last commit left it), but first says so on stderr and in
// the --log-file, where it had ended without a word: the cron mail was empty
// and the log stopped mid-run.
#include <string>

namespace cachedb::cli {

// Gives `sig` its default action back (safe in a signal handler): what a
// handler does before it raises the signal again to end the process by it,
// and what its owner does when it is done.
void restore_default_action(int sig);

// While it lives, those signals (unless ignored already, as under nohup) write
// one line and then end the process by the signal. `log_file`: also appended
// there (empty: none).
class SayWhenStopped {
 public:
  explicit SayWhenStopped(const std::string& log_file);
  ~SayWhenStopped();
  // The run is committed: a signal from now on says so, rather than that
  // nothing of the run was stored. It still ends the process by the signal.
  void run_committed() const;
  SayWhenStopped(const SayWhenStopped&) = delete;
  SayWhenStopped& operator=(const SayWhenStopped&) = delete;
};

}  // namespace cachedb::cli
