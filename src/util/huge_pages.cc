#include "util/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace cachedb {

namespace {
constexpr std::size_t kHugePage = std::size_t{2} << 20;
std::size_t round_up(std::size_t n) { return (n + kHugePage - 1) / kHugePage * kHugePage; }
}  // namespace

HugePages::HugePages(std::size_t bytes) {
  // Whole huge pages, aligned: map one more and give back the ends. The
  // rounding costs at most one huge page of memory, and only once touched.
  const std::size_t size = round_up(bytes == 0 ? 1 : bytes);
  const std::size_t over = size + kHugePage;
  void* p = mmap(nullptr, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) munmap(p, aligned - start);
  if (const std::uintptr_t end = start + over, used_end = aligned + size; end > used_end)
    munmap(reinterpret_cast<void*>(used_end), end - used_end);
  data_ = reinterpret_cast<void*>(aligned);
  mapped_ = size;
  // Advice only: refused, the pages are small ones.
  madvise(data_, mapped_, MADV_HUGEPAGE);
}

HugePages::~HugePages() { munmap(data_, mapped_); }

}  // namespace cachedb
