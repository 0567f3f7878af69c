#include "cli/sigint.h"

#include <atomic>
#include <csignal>

namespace cachedb::cli {
namespace {

// What the handler may touch: a lock-free pointer and a flag.
std::atomic<sqlite3*> g_target{nullptr};
volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_sigint(int) {
  g_interrupted = 1;
  // Safe from a signal handler: it only sets a flag the running statement
  // checks (the sqlite3 shell calls it from its own SIGINT handler).
  if (sqlite3* db = g_target.load()) sqlite3_interrupt(db);
}

}  // namespace

InterruptOnSigint::InterruptOnSigint(sqlite3* db) {
  struct sigaction old {};
  if (sigaction(SIGINT, nullptr, &old) != 0 || old.sa_handler == SIG_IGN) return;
  g_target.store(db);
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  // SA_RESTART: a write to stdout under way finishes, so no row is cut in
  // two. SA_RESETHAND: a second Ctrl-C is the default, killing at once.
  sa.sa_flags = SA_RESTART | SA_RESETHAND;
  installed_ = sigaction(SIGINT, &sa, nullptr) == 0;
}

InterruptOnSigint::~InterruptOnSigint() {
  if (!installed_) return;
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  g_target.store(nullptr);
}

bool InterruptOnSigint::interrupted() { return g_interrupted != 0; }

}  // namespace cachedb::cli
