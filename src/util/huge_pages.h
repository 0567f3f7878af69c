#pragma once
// Zeroed memory for a table read at random, in 2 MiB pages where the kernel
// gives them. A lookup in a table of a few MiB of 4 KiB pages misses the TLB
// as often as the cache, and under a hypervisor that miss walks two page
// tables: in the index ingest such lookups cost ~500 ns each. With huge pages
// the table is covered by two TLB entries. The kernel may refuse (THP set to
// "never", or not built in): the memory is then ordinary zeroed pages.
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
