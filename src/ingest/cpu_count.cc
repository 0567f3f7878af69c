#include "ingest/cpu_count.h"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <thread>

namespace cachedb {

namespace fs = std::filesystem;

namespace {

// CPU_COUNT of the calling thread's affinity mask, or 0 when it cannot be read.
// The mask is sized at run time: a host with more than CPU_SETSIZE (1024) CPUs
// makes sched_getaffinity fail with EINVAL on a fixed cpu_set_t.
unsigned cpus_in_affinity() {
  for (std::size_t cpus = CPU_SETSIZE; cpus <= (std::size_t{1} << 20); cpus *= 2) {
    const std::unique_ptr<cpu_set_t, void (*)(cpu_set_t*)> set(CPU_ALLOC(cpus), [](cpu_set_t* s) { CPU_FREE(s); });
    if (!set) return 0;
    const std::size_t size = CPU_ALLOC_SIZE(cpus);
    CPU_ZERO_S(size, set.get());
    if (::sched_getaffinity(0, size, set.get()) == 0) return static_cast<unsigned>(CPU_COUNT_S(size, set.get()));
    if (errno != EINVAL) return 0;
  }
  return 0;
}

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

// The next word of `text` (split on spaces and newlines), consumed.
std::string_view next_word(std::string_view& text) {
  const auto begin = text.find_first_not_of(" \t\n");
  if (begin == std::string_view::npos) {
    text = {};
    return {};
  }
  text.remove_prefix(begin);
  const auto end = std::min(text.find_first_of(" \t\n"), text.size());
  const std::string_view word = text.substr(0, end);
  text.remove_prefix(end);
  return word;
}

// Whether `controllers`, the middle field of a /proc/self/cgroup line, is
// cgroup v2's (empty) or, for v1, a list naming `controller` ("cpu,cpuacct").
bool names_controller(std::string_view controllers, std::string_view controller) {
  if (controller.empty()) return controllers.empty();
  while (!controllers.empty()) {
    const auto end = std::min(controllers.find(','), controllers.size());
    if (controllers.substr(0, end) == controller) return true;
    controllers.remove_prefix(std::min(end + 1, controllers.size()));
  }
  return false;
}

// The cgroup's path in the "N:controllers:/path" line of /proc/self/cgroup for
// `controller` ("" for cgroup v2's "0::/path" line), relative to the mount;
// empty when there is none, or when it climbs out of the mount ("/../.." for a
// process outside a cgroup namespace's root).
fs::path own_cgroup(std::string_view proc_self_cgroup, std::string_view controller) {
  while (!proc_self_cgroup.empty()) {
    const auto end = std::min(proc_self_cgroup.find('\n'), proc_self_cgroup.size());
    std::string_view line = proc_self_cgroup.substr(0, end);
    proc_self_cgroup.remove_prefix(std::min(end + 1, proc_self_cgroup.size()));
    const auto first = line.find(':');
    const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    if (!names_controller(line.substr(first + 1, second - first - 1), controller)) continue;
    if (controller.empty() && line.substr(0, first) != "0") continue;
    const fs::path path = fs::path(line.substr(second + 1)).relative_path().lexically_normal();
    for (const auto& part : path)
      if (part == "..") return {};
    return path;
  }
  return {};
}

std::optional<std::string> read_file(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The CPUs cgroup v2's `cpu.max` in `dir` allows.
std::optional<unsigned> v2_limit_in(const fs::path& dir) {
  const auto contents = read_file(dir / "cpu.max");
  return contents ? cpus_in_cpu_max(*contents) : std::nullopt;
}

// The CPUs cgroup v1's quota and period in `dir` allow: the same arithmetic as
// cpu.max, whose two numbers v1 keeps in two files (its "no limit" is -1).
std::optional<unsigned> v1_limit_in(const fs::path& dir) {
  const auto quota = read_file(dir / "cpu.cfs_quota_us");
  const auto period = read_file(dir / "cpu.cfs_period_us");
  return quota && period ? cpus_in_cpu_max(*quota + " " + *period) : std::nullopt;
}

// The tightest limit `limit_in` finds in `mount` and in each directory down to
// the cgroup `path` names: a quota set on any cgroup above this one (a systemd
// slice, a container) bounds this one too.
template <typename LimitIn>
std::optional<unsigned> tightest_limit(const fs::path& mount, const fs::path& path, LimitIn limit_in) {
  std::optional<unsigned> limit = limit_in(mount);
  fs::path dir = mount;
  for (const auto& part : path) {
    if (part.empty()) continue;
    dir /= part;
    if (const auto here = limit_in(dir)) limit = limit ? std::min(*limit, *here) : *here;
  }
  return limit;
}

}  // namespace

std::optional<unsigned> cpus_in_cpu_max(std::string_view contents) {
  // "$MAX $PERIOD": the cgroup may use MAX microseconds of CPU time in each
  // PERIOD, on however many CPUs; "max" is no limit.
  const std::string_view quota_word = next_word(contents);
  const std::string_view period_word = next_word(contents);
  if (quota_word == "max" || !next_word(contents).empty()) return std::nullopt;
  const auto quota = number(quota_word);
  const auto period = number(period_word);
  if (!quota || !period || *quota == 0 || *period == 0) return std::nullopt;
  const std::uint64_t cpus = std::max<std::uint64_t>(1, (*quota + *period - 1) / *period);
  return static_cast<unsigned>(std::min<std::uint64_t>(cpus, 1u << 20));
}

std::optional<unsigned> cgroup_cpu_limit(const fs::path& mount, std::string_view proc_self_cgroup) {
  return tightest_limit(mount, own_cgroup(proc_self_cgroup, ""), v2_limit_in);
}

std::optional<unsigned> cgroup_v1_cpu_limit(const fs::path& mount, std::string_view proc_self_cgroup) {
  return tightest_limit(mount, own_cgroup(proc_self_cgroup, "cpu"), v1_limit_in);
}

unsigned usable_cpu_count() {
  unsigned cpus = cpus_in_affinity();
  if (cpus == 0) cpus = std::thread::hardware_concurrency();
  if (cpus == 0) cpus = 1;
  const std::string self = read_file("/proc/self/cgroup").value_or("");
  if (const auto limit = cgroup_cpu_limit("/sys/fs/cgroup", self)) cpus = std::min(cpus, *limit);
  // Where systems mount cgroup v1's cpu controller (the second a link to the
  // first on most); a host with cgroup v2 has neither directory.
  for (const char* v1 : {"/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu"}) {
    std::error_code ec;
    if (!fs::is_directory(v1, ec)) continue;
    if (const auto limit = cgroup_v1_cpu_limit(v1, self)) cpus = std::min(cpus, *limit);
    break;
  }
  return std::max(cpus, 1u);
}

}  // namespace cachedb
