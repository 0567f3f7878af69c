#pragma once
// Ctrl-C during `cachedb sql`: the statement is interrupted (sqlite3_interrupt,
// as the sqlite3 shell does) instead of the process being killed mid-write,
// so the rows already made are written out whole and the exit status says
// the result is cut short (130, as a shell reports 128 + SIGINT).
#include <sqlite3.h>

namespace cachedb::cli {

constexpr int kExitInterrupted = 130;

// While it lives, SIGINT interrupts the statement running on `db`. A second
// SIGINT kills the process as usual (the handler is one-shot). When SIGINT is
// ignored already (a job started in the background by a script, nohup), it
// stays ignored.
class InterruptOnSigint {
 public:
  explicit InterruptOnSigint(sqlite3* db);
  ~InterruptOnSigint();
  InterruptOnSigint(const InterruptOnSigint&) = delete;
  InterruptOnSigint& operator=(const InterruptOnSigint&) = delete;

  // Whether a SIGINT came.
  static bool interrupted();

 private:
  bool installed_ = false;
};

}  // namespace cachedb::cli
