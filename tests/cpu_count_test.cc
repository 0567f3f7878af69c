// How many CPUs the loader sizes its threads for: the ones the process may
// run on (taskset, sched_setaffinity) and a container's CPU quota allow, not
// the host's cores.
#include <sched.h>

#include <optional>

#include <doctest/doctest.h>

#include "ingest/cpu_count.h"
#include "test_support.h"

using namespace cachedb;

TEST_CASE("cpu.max: a quota gives its CPUs rounded up; 'max' or text not understood gives no limit") {
  CHECK(cpus_in_cpu_max("max 100000") == std::nullopt);
  CHECK(cpus_in_cpu_max("max 100000\n") == std::nullopt);
  CHECK(cpus_in_cpu_max("150000 100000") == 2u);
  CHECK(cpus_in_cpu_max("50000 100000") == 1u);
  CHECK(cpus_in_cpu_max("1000 100000\n") == 1u);  // a hundredth of a CPU is still one thread
  CHECK(cpus_in_cpu_max("100000 100000\n") == 1u);
  CHECK(cpus_in_cpu_max("400000 100000\n") == 4u);
  CHECK(cpus_in_cpu_max("") == std::nullopt);
  CHECK(cpus_in_cpu_max("lots 100000") == std::nullopt);
  CHECK(cpus_in_cpu_max("150000") == std::nullopt);
  CHECK(cpus_in_cpu_max("150000 0") == std::nullopt);
  CHECK(cpus_in_cpu_max("150000 100000 7") == std::nullopt);
}

TEST_CASE("the tightest cpu.max of the process's cgroup and the cgroups above it applies") {
  testing::TempDir mount;
  const char* self = "12:memory:/elsewhere\n0::/system.slice/cachedb-ingest.service\n";
  // No cpu.max anywhere (a host's root cgroup has none): no limit.
  CHECK(cgroup_cpu_limit(mount.path(), self) == std::nullopt);

  testing::write_text(mount / "system.slice" / "cpu.max", "max 100000\n");
  CHECK(cgroup_cpu_limit(mount.path(), self) == std::nullopt);

  // A systemd unit's CPUQuota=150% is in the unit's own cgroup.
  testing::write_text(mount / "system.slice" / "cachedb-ingest.service" / "cpu.max", "150000 100000\n");
  CHECK(cgroup_cpu_limit(mount.path(), self) == 2u);

  // A tighter quota above it bounds it too.
  testing::write_text(mount / "system.slice" / "cpu.max", "50000 100000\n");
  CHECK(cgroup_cpu_limit(mount.path(), self) == 1u);

  // In a container (a cgroup namespace) the process's cgroup is the mount's root.
  testing::TempDir container;
  testing::write_text(container / "cpu.max", "300000 100000\n");
  CHECK(cgroup_cpu_limit(container.path(), "0::/\n") == 3u);
  CHECK(cgroup_cpu_limit(container.path(), "") == 3u);  // cgroup v1 only: the mount's root is still asked
  // A path that climbs out of the namespace is not followed.
  CHECK(cgroup_cpu_limit(container.path(), "0::/../../x\n") == 3u);
}

TEST_CASE("cgroup v1: the tightest cfs quota of the cpu controller's cgroup and the ones above it applies") {
  testing::TempDir mount;
  // The cpu controller's line, among the other controllers' (and a hybrid
  // host's empty v2 line, which says nothing about v1's cgroups).
  const char* self =
      "12:memory:/elsewhere\n4:cpu,cpuacct:/kubepods/pod1/box\n1:name=systemd:/x\n0::/unified\n";
  CHECK(cgroup_v1_cpu_limit(mount.path(), self) == std::nullopt);

  // -1 is v1's "no limit".
  testing::write_text(mount / "kubepods" / "cpu.cfs_quota_us", "-1\n");
  testing::write_text(mount / "kubepods" / "cpu.cfs_period_us", "100000\n");
  CHECK(cgroup_v1_cpu_limit(mount.path(), self) == std::nullopt);

  // A pod's limit of 1.5 CPUs: two threads.
  testing::write_text(mount / "kubepods" / "pod1" / "cpu.cfs_quota_us", "150000\n");
  testing::write_text(mount / "kubepods" / "pod1" / "cpu.cfs_period_us", "100000\n");
  CHECK(cgroup_v1_cpu_limit(mount.path(), self) == 2u);
  // A quota without its period is not understood: the one above still applies.
  testing::write_text(mount / "kubepods" / "pod1" / "box" / "cpu.cfs_quota_us", "50000\n");
  CHECK(cgroup_v1_cpu_limit(mount.path(), self) == 2u);
  testing::write_text(mount / "kubepods" / "pod1" / "box" / "cpu.cfs_period_us", "100000\n");
  CHECK(cgroup_v1_cpu_limit(mount.path(), self) == 1u);

  // The controllers may be listed in another order, or the cpu one alone.
  CHECK(cgroup_v1_cpu_limit(mount.path(), "3:cpuacct,cpu:/kubepods/pod1\n") == 2u);
  CHECK(cgroup_v1_cpu_limit(mount.path(), "3:cpu:/kubepods/pod1\n") == 2u);
  // cpuacct alone is not the cpu controller, and v2's line is not v1's.
  CHECK(cgroup_v1_cpu_limit(mount.path(), "3:cpuacct:/kubepods/pod1\n") == std::nullopt);
  CHECK(cgroup_v1_cpu_limit(mount.path(), "0::/kubepods/pod1\n") == std::nullopt);
  // ... nor does cgroup v2 read v1's files.
  CHECK(cgroup_cpu_limit(mount.path(), "0::/kubepods/pod1\n") == std::nullopt);

  // A container without a cgroup namespace: its line names the host's path,
  // which its mount (its own cgroup) does not have; the mount's root answers.
  testing::TempDir container;
  testing::write_text(container / "cpu.cfs_quota_us", "300000\n");
  testing::write_text(container / "cpu.cfs_period_us", "100000\n");
  CHECK(cgroup_v1_cpu_limit(container.path(), "4:cpu,cpuacct:/docker/0123abcd\n") == 3u);
}

TEST_CASE("a thread allowed a single CPU (taskset -c N) counts one CPU, however many the host has") {
  unsigned counted = 0;
  REQUIRE(testing::run_on_one_cpu([&] { counted = usable_cpu_count(); }));
  CHECK(counted == 1);

  // Unpinned, never more than the CPUs the process may use, and at least one.
  const unsigned here = usable_cpu_count();
  CHECK(here >= 1);
  const cpu_set_t allowed = testing::allowed_cpus();
  CHECK(here <= static_cast<unsigned>(CPU_COUNT(&allowed)));
}
