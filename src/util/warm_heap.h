#pragma once
// Makes the next `bytes` the calling thread's malloc hands out come from
// memory already mapped, in one call into the kernel instead of one fault per
// 4 KiB page as each is first touched.
//
// Why: under a hypervisor the first touch of a page is costly. On the 2-core
// VM the benchmarks run on, a page fault costs ~9.5 us (a prefault of many
// pages, madvise(MADV_POPULATE_WRITE), ~1 us a page), and a bulk index load
// took ~3,200 of them on the writer's thread, ~30 ms of a 0.33 s run, as
// SQLite's page cache, its sorter and the B-tree balancing grew the heap.
//
// How: glibc's malloc is told to keep what is freed at the top of its heap
// (no trimming, nothing served by mmap below 32 MiB), a block of `bytes` is
// allocated, its pages populated, and it is freed: it stays as the heap's
// free top, where the following allocations land. The cost is memory held:
// the peak RSS of a run grows to at least `bytes`, and the settings last for
// the rest of the process (they replace the 256 KiB mapping threshold that
// cli/main.cc sets for page ingests, whose blocks grow with the pages; an
// index load's are bounded by its batches: 1 GB of indexes peaked at the
// same RSS). Best effort: where the kernel refuses the advice (before Linux
// 5.14), or the allocator is not glibc's, nothing changes but speed.
#include <cstddef>

namespace cachedb {

void warm_heap(std::size_t bytes);

}  // namespace cachedb
