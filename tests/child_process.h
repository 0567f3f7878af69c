#pragma once
// Running a program as a child process with what the hostile-environment and
// resource tests need: its exit status or signal, stdout and stderr, its peak
// memory (wait4's rusage) and wall time, and a deadline so that a hang fails
// the test instead of stalling the suite.
#include <string>
#include <vector>

namespace testing {

struct ChildResult {
  int exit_code = -1;     // -1 when killed by a signal
  int signal = 0;         // the signal that ended it, 0 when it exited
  bool timed_out = false; // killed at the deadline
  std::string out, err;
  long max_rss_kb = 0;    // peak resident set size
  double seconds = 0;     // wall time
};

// Runs argv[0] (searched in PATH) with `argv`, stdin from /dev/null; kills it
// after `timeout_seconds`.
ChildResult run_child(const std::vector<std::string>& argv, int timeout_seconds = 60);

// The cachedb binary under test ($CACHEDB_BINARY).
std::string cachedb_binary();

// A command prefix under which file permissions apply to this process's
// children, or nothing when none can be had: then the test's output says
// why, and the caller skips (`if (!prefix.available) return;`).
// Not root: empty prefix, permissions already apply. Root: setpriv dropping the
// capabilities that let root ignore permissions, when the system allows it.
struct PermissionPrefix {
  bool available = false;
  std::vector<std::string> argv;  // prepend to a command
  std::string why_not;            // when !available
};
PermissionPrefix permission_enforcing_prefix();

// Checks that a run failed as a fatal error should: exit 1 within its
// deadline, one line on stderr saying `expected`, nothing on stdout.
void check_one_fatal_line(const ChildResult& r, const std::string& expected);

}  // namespace testing
