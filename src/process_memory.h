#pragma once
// The process's heap, where the C library's defaults work against an ingest
// whose memory should stay flat however large the tree.

namespace cachedb {

// Called once, first thing in main(): see process_memory.cc.
void configure_heap();

// Hands the heap's free pages back to the system, so that the resident set
// drops to what is in use (glibc keeps them otherwise).
void release_free_heap();

}  // namespace cachedb
