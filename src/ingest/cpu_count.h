#pragma once
// How many CPUs this process may really use, to size the loader's threads.
// std::thread::hardware_concurrency() counts the host's cores, whatever
// `taskset` or a container allows: a cron job in a container limited to one
// CPU would start a thread per host core and have them fight over that CPU.
#include <filesystem>
#include <optional>
#include <string_view>

namespace cachedb {

// The CPUs this process may run on (its scheduler affinity), capped by the
// CPU quota of its cgroup and of the cgroups above it (cgroup v2, or v1's cpu
// controller where it is mounted at /sys/fs/cgroup/cpu,cpuacct or .../cpu).
// Falls back to hardware_concurrency() when the affinity cannot be read;
// never less than 1.
unsigned usable_cpu_count();

// The CPUs a cgroup v2 `cpu.max` allows ("150000 100000": 1.5, rounded up to
// 2; at least 1), or nothing when it sets no limit ("max 100000") or cannot be
// understood.
std::optional<unsigned> cpus_in_cpu_max(std::string_view contents);

// The tightest limit among the `cpu.max` files of the process's cgroup and its
// ancestors, under `mount` (where cgroup v2 is mounted). `proc_self_cgroup` is
// what /proc/self/cgroup holds: its "0::/path" line names the cgroup (without
// one, only the cgroup at `mount` itself is looked at, as in a container).
std::optional<unsigned> cgroup_cpu_limit(const std::filesystem::path& mount, std::string_view proc_self_cgroup);

// The same for cgroup v1 (still the default of some hosts, Kubernetes nodes
// among them): the cpu controller's `cpu.cfs_quota_us` (-1: no limit) over
// `cpu.cfs_period_us`, in the cgroup that /proc/self/cgroup's "N:cpu,...:/path"
// line names and the ones above it, under `mount` (where that controller is
// mounted). In a container without a cgroup namespace the line names the
// host's path, absent from the container's mount: the mount's root is asked.
std::optional<unsigned> cgroup_v1_cpu_limit(const std::filesystem::path& mount, std::string_view proc_self_cgroup);

}  // namespace cachedb
