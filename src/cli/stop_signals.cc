#include "cli/stop_signals.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace cachedb::cli {
namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr const char* kNames[] = {"SIGINT", "SIGTERM", "SIGHUP"};
constexpr const char* kWhat =
    " before it finished: what it had not committed is not stored, and the next ingest does that work again\n";
// After the run's commit only the write-ahead log is left to empty (up to 5 s
// while readers are in it): the run is stored, whatever the status says.
constexpr const char* kWhatAfterCommit =
    " after its run was committed: the run is stored (cachedb runs shows it); only emptying the write-ahead log "
    "was cut short, and the next ingest does that\n";

// What the handler touches: set before the handlers are installed, read only;
// and whether a line was written (the signals may come at once, to several
// threads: one line).
int g_log_fd = -1;
long g_utc_offset = 0;  // the local time's offset from UTC in seconds, as the log file's lines use it
bool g_installed[3] = {false, false, false};
std::atomic<bool> g_said{false};
std::atomic<bool> g_committed{false};
static_assert(std::atomic<bool>::is_always_lock_free);

// Async-signal-safe output: write(2) of bytes put together here, no
// allocation, no locale, no stdio.
struct Line {
  char text[512];
  std::size_t size = 0;
  void add(const char* s) {
    for (; *s && size < sizeof text; ++s) text[size++] = *s;
  }
  void add_number(long v, int width) {
    char digits[20];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v > 0 && n < 20);
    for (int i = n; i < width && size < sizeof text; ++i) text[size++] = '0';
    while (n > 0 && size < sizeof text) text[size++] = digits[--n];
  }
  void write_to(int fd) const {
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::write(fd, text + done, size - done);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }
};

// The local time as the log file's lines begin (2026-12-06T18:40:00-05:00),
// from the days since 1970 (Howard Hinnant's civil_from_days): localtime is
// not safe in a signal handler, so the offset is the one in force when the
// run began.
void add_local_now(Line& line) {
  struct timespec ts {};
  clock_gettime(CLOCK_REALTIME, &ts);
  const long local = static_cast<long>(ts.tv_sec) + g_utc_offset;
  const long days = local >= 0 ? local / 86400 : (local - 86399) / 86400, in_day = local - days * 86400;
  const long z = days + 719468, era = z / 146097, doe = z - era * 146097;
  const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  const long y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  line.add_number(y, 4);
  line.add("-");
  line.add_number(m, 2);
  line.add("-");
  line.add_number(d, 2);
  line.add("T");
  line.add_number(in_day / 3600, 2);
  line.add(":");
  line.add_number(in_day / 60 % 60, 2);
  line.add(":");
  line.add_number(in_day % 60, 2);
  const long offset = g_utc_offset < 0 ? -g_utc_offset : g_utc_offset;
  line.add(g_utc_offset < 0 ? "-" : "+");
  line.add_number(offset / 3600, 2);
  line.add(":");
  line.add_number(offset / 60 % 60, 2);
  line.add(" cachedb[");
  line.add_number(static_cast<long>(getpid()), 1);
  line.add("] ");
}

// Whether `fd` takes a short line within a moment: a reader that stopped
// reading (a full pipe) must not keep the signal from ending the process.
bool writable_soon(int fd) {
  struct pollfd p {};
  p.fd = fd;
  p.events = POLLOUT;
  return poll(&p, 1, 100) == 1 && (p.revents & POLLOUT) != 0;
}

extern "C" void on_stop_signal(int sig) {
  const int saved_errno = errno;
  // Another signal, or the same again, while the first one's line is
  // written (they may come at once, to several threads): the first ends the
  // process once its line is out, by its own signal.
  if (g_said.exchange(true)) {
    errno = saved_errno;
    return;
  }
  const char* name = "a signal";
  for (int i = 0; i < 3; ++i)
    if (kSignals[i] == sig) name = kNames[i];
  Line message;
  message.add("error: ingest stopped by ");
  message.add(name);
  message.add(g_committed.load() ? kWhatAfterCommit : kWhat);
  // The log file first: it is a file, and the stderr pipe may be gone (SIGPIPE
  // is blocked here: the write fails instead) or full.
  if (g_log_fd >= 0) {
    Line logged;
    add_local_now(logged);
    for (std::size_t i = 0; i < message.size && logged.size < sizeof logged.text; ++i)
      logged.text[logged.size++] = message.text[i];
    logged.write_to(g_log_fd);
  }
  if (writable_soon(STDERR_FILENO)) message.write_to(STDERR_FILENO);
  // The signal now ends the process as it would have (the handler does not
  // block its own signal: SA_NODEFER).
  restore_default_action(sig);
  errno = saved_errno;
  raise(sig);
  _exit(128 + sig);  // not reached: the default action of these signals ends the process
}

}  // namespace

void restore_default_action(int sig) {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
}

SayWhenStopped::SayWhenStopped(const std::string& log_file) {
  if (!log_file.empty()) g_log_fd = ::open(log_file.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  const std::time_t now = std::time(nullptr);
  struct tm local {};
  if (localtime_r(&now, &local)) g_utc_offset = local.tm_gmtoff;
  for (int i = 0; i < 3; ++i) {
    struct sigaction old {};
    if (sigaction(kSignals[i], nullptr, &old) != 0 || old.sa_handler == SIG_IGN) continue;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGPIPE);  // a write to a closed stderr fails instead of ending the process
    // Installed until the process ends: a second copy of a signal, sent to
    // another thread while the first is written, is one more call that
    // returns (not the default action, which would end the process before
    // the line is out).
    sa.sa_flags = SA_NODEFER;
    g_installed[i] = sigaction(kSignals[i], &sa, nullptr) == 0;
  }
}

void SayWhenStopped::run_committed() const { g_committed.store(true); }

SayWhenStopped::~SayWhenStopped() {
  for (int i = 0; i < 3; ++i) {
    if (!g_installed[i]) continue;
    restore_default_action(kSignals[i]);
    g_installed[i] = false;
  }
  if (g_log_fd >= 0) ::close(g_log_fd);
  g_log_fd = -1;
  g_committed.store(false);
}

}  // namespace cachedb::cli
