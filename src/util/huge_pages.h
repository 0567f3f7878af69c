#pragma once
// Zeroed memory for a table read at random, in 2 MiB pages where the kernel
// gives them. A table of a few MiB in 4 KiB pages is faulted in a page at a
// time as lookups land on it (768 faults for 3 MiB, each a trip through the
// kernel, and under a hypervisor a costly one), and every lookup that misses
// the cache is likely to miss the TLB too. In 2 MiB pages: two faults, and two
// TLB entries (the index ingest's spec id tables: 1 GB of indexes 3.35 ->
// 3.20 s, system time 0.62 -> 0.43 s). The kernel may refuse (THP "never", or
// not built in): the memory is then ordinary zeroed pages.
#include <cstddef>

namespace cachedb {

class HugePages {
 public:
  // `bytes` of zeroed memory aligned to 2 MiB; throws std::bad_alloc.
  explicit HugePages(std::size_t bytes);
  ~HugePages();
  HugePages(const HugePages&) = delete;
  HugePages& operator=(const HugePages&) = delete;

  void* data() const { return data_; }

 private:
  void* data_ = nullptr;
  std::size_t mapped_ = 0;
};

}  // namespace cachedb
