// util/warm_heap.h: after warm_heap(n), the next allocations of up to n bytes
// are in pages already mapped, so writing them costs no page faults.
#include <doctest/doctest.h>

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "util/warm_heap.h"

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

// In a child process (its heap a copy of this one's, every page of it to be
// copied again on its first write): the page faults taken while writing a
// fresh block of `bytes`, after warm_heap(warm) when warm is not 0.
long faults_writing_block(std::size_t warm, std::size_t bytes) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(fds[0]);
    if (warm) cachedb::warm_heap(warm);
    auto* volatile block = static_cast<char*>(std::malloc(bytes));
    if (!block) _exit(1);
    const long before = thread_minor_faults();
    std::memset(block, 1, bytes);
    long faults = thread_minor_faults() - before;
    if (block[bytes - 1] != 1) faults = -1;
    (void)!write(fds[1], &faults, sizeof faults);
    _exit(0);
  }
  close(fds[1]);
  long faults = -2;
  const auto got = read(fds[0], &faults, sizeof faults);
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(got == static_cast<ssize_t>(sizeof faults));
  return faults;
}

}  // namespace

TEST_CASE("warm heap: a block allocated after warming is written without page faults") {
  if (!kernel_populates()) {
    MESSAGE("this kernel does not prefault on madvise (MADV_POPULATE_WRITE): nothing to check");
    return;
  }
  constexpr std::size_t kBlock = std::size_t{2} << 20;  // 512 pages of 4 KiB
  const long cold = faults_writing_block(0, kBlock);
  const long warm = faults_writing_block(std::size_t{4} << 20, kBlock);
  CAPTURE(cold);
  CAPTURE(warm);
  // Cold, each page faults as it is first written; warmed, none should (a
  // few are allowed for whatever else the child touches).
  CHECK(cold >= 256);
  CHECK(warm >= 0);
  CHECK(warm < 16);
}

TEST_CASE("warm heap: nothing asked, nothing done; what is allocated after any warming is usable") {
  cachedb::warm_heap(0);
  cachedb::warm_heap(std::size_t{1} << 20);
  auto* p = static_cast<unsigned char*>(std::malloc(std::size_t{3} << 20));
  REQUIRE(p != nullptr);
  std::memset(p, 0x5a, std::size_t{3} << 20);
  CHECK(p[(std::size_t{3} << 20) - 1] == 0x5a);
  std::free(p);
}
