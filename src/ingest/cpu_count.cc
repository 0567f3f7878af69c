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

// The cgroup's path in the "0::/path" line (cgroup v2) of /proc/self/cgroup,
// relative to the mount; empty when there is none, or when it climbs out of
// the mount ("/../.." for a process outside a cgroup namespace's root).
fs::path own_cgroup(std::string_view proc_self_cgroup) {
  while (!proc_self_cgroup.empty()) {
    const auto end = std::min(proc_self_cgroup.find('\n'), proc_self_cgroup.size());
    const std::string_view line = proc_self_cgroup.substr(0, end);
    proc_self_cgroup.remove_prefix(std::min(end + 1, proc_self_cgroup.size()));
    if (line.substr(0, 3) != "0::") continue;
    const fs::path path = fs::path(line.substr(3)).relative_path().lexically_normal();
    for (const auto& part : path)
      if (part == "..") return {};
    return path;
  }
  return {};
}

std::optional<unsigned> limit_in(const fs::path& cpu_max) {
  std::ifstream in(cpu_max);
  if (!in) return std::nullopt;
  const std::string contents{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return cpus_in_cpu_max(contents);
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
  // A quota set on any cgroup above this one (a systemd slice, a container)
  // bounds this one too: the tightest of them applies.
  std::optional<unsigned> limit = limit_in(mount / "cpu.max");
  fs::path dir = mount;
  for (const auto& part : own_cgroup(proc_self_cgroup)) {
    if (part.empty()) continue;
    dir /= part;
    if (const auto here = limit_in(dir / "cpu.max")) limit = limit ? std::min(*limit, *here) : *here;
  }
  return limit;
}

unsigned usable_cpu_count() {
  unsigned cpus = cpus_in_affinity();
  if (cpus == 0) cpus = std::thread::hardware_concurrency();
  if (cpus == 0) cpus = 1;
  std::ifstream in("/proc/self/cgroup");
  const std::string self{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (const auto limit = cgroup_cpu_limit("/sys/fs/cgroup", self)) cpus = std::min(cpus, *limit);
  return std::max(cpus, 1u);
}

}  // namespace cachedb
