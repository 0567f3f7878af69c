#include "child_process.h"

#include <doctest/doctest.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_support.h"

namespace testing {

ChildResult run_child(const std::vector<std::string>& argv, int timeout_seconds) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    dprintf(2, "exec %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);

  ChildResult r;
  const auto deadline = start + std::chrono::seconds(timeout_seconds);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);

  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.max_rss_kb = usage.ru_maxrss;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

std::string cachedb_binary() {
  const char* binary = std::getenv("CACHEDB_BINARY");
  if (!binary) throw std::runtime_error("CACHEDB_BINARY is not set (run through meson test)");
  return binary;
}

namespace {

PermissionPrefix probe_permission_prefix() {
  PermissionPrefix p;
  if (geteuid() != 0) {
    p.available = true;
    return p;
  }
  // Root reads and writes through any mode bits by virtue of CAP_DAC_OVERRIDE
  // and CAP_DAC_READ_SEARCH; without them (still uid 0, still the owner of the
  // test's files) the owner's bits apply. Proven on a 000 file, not assumed.
  const std::vector<std::string> prefix = {"setpriv", "--bounding-set=-dac_override,-dac_read_search",
                                           "--inh-caps=-dac_override,-dac_read_search", "--"};
  TempDir dir;
  const auto probe = dir / "probe";
  write_text(probe, "secret");
  std::filesystem::permissions(probe, std::filesystem::perms::none);
  auto argv = prefix;
  argv.insert(argv.end(), {"cat", probe.string()});
  const ChildResult r = run_child(argv, 20);
  if (r.exit_code == 0) {
    p.why_not = "running as root and setpriv could not drop CAP_DAC_OVERRIDE (" +
                (r.err.empty() ? std::string("the probe file was still readable") : r.err) + ")";
    return p;
  }
  if (r.err.find("Permission denied") == std::string::npos) {
    p.why_not = "running as root and setpriv is unusable here: " + r.err;
    return p;
  }
  p.available = true;
  p.argv = prefix;
  return p;
}

}  // namespace

PermissionPrefix permission_enforcing_prefix() {
  PermissionPrefix p = probe_permission_prefix();
  if (!p.available) MESSAGE("skipped: " << p.why_not);
  return p;
}

void check_one_fatal_line(const ChildResult& r, const std::string& expected) {
  INFO("stderr: " << r.err);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 1);
  CHECK(lines(r.err) == 1);
  CHECK(contains(r.err, expected));
  CHECK(r.out.empty());
}

}  // namespace testing
