#pragma once
// Memory for SQLite's page caches in 2 MiB pages, for a process that writes
// much (an index load).
//
// Why: on the benchmarks' hypervisor every miss of the TLB is costly, and a
// B-tree insert walks pages of the cache scattered over the heap's 4 KiB
// pages. With the cache's pages in a few huge pages, a fresh load of 100 MB
// of indexes took 342.2 -> 325.4 ms and 0.58 -> 0.55 CPU s (medians of 20,
// alternated), 1 GB 2.558 -> 2.509 s (4.66 -> 4.57 CPU s, medians of 5); an
// unchanged re-ingest the same (11.4 and 10.8 ms). The same pool in 4 KiB
// pages was no faster than none (340.2 against 330.5 ms), so it is the huge
// pages, not SQLite's pool allocator, that make the difference.
//
// SQLite takes pages from the pool first, as many as it has slots, and goes
// to malloc for more (a bigger cache, a database with pages above 16 KiB).
// It links every slot into its free list when it starts, so the whole pool is
// touched then, whatever the run goes on to do: an unchanged re-ingest holds
// 6 MB more (three huge pages for 256 slots: peak RSS 7.3 -> 13.3 MB at 100
// MB of indexes), in the same time.
#include <cstddef>

namespace cachedb {

// Gives SQLite a pool of `pages` slots, each one page of up to 16 KiB with its
// header, for the rest of the process. Process-wide, and taken only before
// SQLite starts (the first connection opened): false when it is too late, or
// when the memory or the setting is refused; SQLite then uses malloc as
// before. Call it once.
bool reserve_page_cache(std::size_t pages);

}  // namespace cachedb
