// util/warm_heap.h: after warm_heap(n), the next allocations of up to n bytes
// are in pages already mapped, so writing them costs no page faults.
#include <doctest/doctest.h>

#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "child_process.h"
#include "util/warm_heap.h"

// Under AddressSanitizer malloc is the sanitizer's, which keeps freed blocks
// aside rather than handing them out again: warm_heap cannot work there.
#if defined(__SANITIZE_ADDRESS__)
#define CACHEDB_MALLOC_IS_SANITIZERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CACHEDB_MALLOC_IS_SANITIZERS 1
#endif
#endif

namespace {

// Whether this kernel prefaults on madvise (Linux 5.14 on); before that
// warm_heap can only leave things as they are.
bool kernel_populates() {
#ifdef MADV_POPULATE_WRITE
  const long page = sysconf(_SC_PAGESIZE);
  void* p = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return false;
  const bool ok = madvise(p, page, MADV_POPULATE_WRITE) == 0;
  munmap(p, page);
  return ok;
#else
  return false;
#endif
}

long thread_minor_faults() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return u.ru_minflt;
}

// The page faults taken while writing a fresh block of `bytes`, after
// warm_heap(warm), measured in a new process (this test
// binary run again for the probe below): its heap is young, as a cachedb run's
// is when it warms, where this process's has had every test before this one.
long faults_writing_block(std::size_t warm, std::size_t bytes) {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  // Without the settings that make malloc itself write what it hands out
  // (meson test sets MALLOC_PERTURB_): the block would be touched before it
  // is measured.
  const std::string probe = "CACHEDB_WARM_HEAP_PROBE=" + std::to_string(warm) + "," + std::to_string(bytes);
  const auto r = testing::run_child({"env", "-u", "MALLOC_PERTURB_", "-u", "GLIBC_TUNABLES", probe, self, "--no-skip",
                                     "--test-case=warm heap probe*"});
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  const auto at = r.out.find("faults writing the block: ");
  REQUIRE(at != std::string::npos);
  return std::stol(r.out.substr(at + std::strlen("faults writing the block: ")));
}

}  // namespace

TEST_CASE("warm heap: a block allocated after warming is written without page faults") {
#ifdef CACHEDB_MALLOC_IS_SANITIZERS
  MESSAGE("malloc is AddressSanitizer's: warm_heap leaves it alone");
  return;
#endif
  if (!kernel_populates()) {
    MESSAGE("this kernel does not prefault on madvise (MADV_POPULATE_WRITE): nothing to check");
    return;
  }
  constexpr std::size_t kBlock = std::size_t{2} << 20;  // 512 pages of 4 KiB
  const long cold = faults_writing_block(0, kBlock);
  const long warm = faults_writing_block(std::size_t{4} << 20, kBlock);
  CAPTURE(cold);
  CAPTURE(warm);
  // Cold (warm_heap(0), which does nothing), each page faults as it is first
  // written; warmed, none should (a few are allowed for whatever else the
  // child touches).
  CHECK(cold >= 256);
  CHECK(warm < 16);
}

// Run by the test above, in a child process (skipped otherwise).
TEST_CASE("warm heap probe: warm, allocate, write, count the faults" * doctest::skip()) {
  const char* probe = std::getenv("CACHEDB_WARM_HEAP_PROBE");
  if (!probe) {
    MESSAGE("a probe for the warm heap test, run by it in a child process");
    return;
  }
  char* comma = nullptr;
  const std::size_t warm = std::strtoull(probe, &comma, 10);
  const std::size_t bytes = std::strtoull(comma + 1, nullptr, 10);
  cachedb::warm_heap(warm);  // 0: nothing asked, nothing done
  auto* volatile block = static_cast<char*>(std::malloc(bytes));
  REQUIRE(block != nullptr);
  const long before = thread_minor_faults();
  std::memset(block, 1, bytes);
  const long faults = thread_minor_faults() - before;
  REQUIRE(block[bytes - 1] == 1);
  std::printf("faults writing the block: %ld\n", faults);
}
