#include "util/warm_heap.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace cachedb {

void warm_heap(std::size_t bytes) {
#if defined(__GLIBC__) && defined(MADV_POPULATE_WRITE)
  if (bytes == 0) return;
  // Below this, glibc's malloc takes blocks from its heap, not from mmap (a
  // block from mmap is unmapped when freed, and its pages faulted again when
  // the next one is mapped), and it gives back to the kernel only a free top
  // larger than twice that.
  constexpr int kMmapThreshold = 32 << 20;
  if (bytes > static_cast<std::size_t>(kMmapThreshold)) bytes = kMmapThreshold;
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  mallopt(M_TRIM_THRESHOLD, 2 * kMmapThreshold);
  void* block = std::malloc(bytes);
  if (!block) return;
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto start = (reinterpret_cast<std::uintptr_t>(block) + page - 1) & ~(page - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(block) + bytes) & ~(page - 1);
  if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_POPULATE_WRITE);
  std::free(block);
#else
  (void)bytes;
#endif
}

}  // namespace cachedb
