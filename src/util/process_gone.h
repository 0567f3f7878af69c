#pragma once
// Whether a pid written down by another run names no process here any more:
// the leftovers of a run that was killed (an export's partial copy, the lock's
// note) are told from those of one still running by it.
#include <cerrno>

#include <signal.h>
#include <sys/types.h>

namespace cachedb {

// True only when no process has `pid` (ESRCH); a live one, or one that is not
// ours to signal (EPERM), is not gone.
inline bool process_gone(pid_t pid) { return pid > 0 && kill(pid, 0) != 0 && errno == ESRCH; }

}  // namespace cachedb
