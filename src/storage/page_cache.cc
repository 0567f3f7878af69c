#include "storage/page_cache.h"

#include <memory>
#include <new>

#include <sqlite3.h>

#include "storage/database.h"
#include "util/huge_pages.h"

namespace cachedb {

bool reserve_page_cache(std::size_t pages) {
  // Never freed: SQLite may use it until the process ends.
  static HugePages* pool = nullptr;
  if (pool || pages == 0) return false;
  int header = 0;
  if (sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &header) != SQLITE_OK) return false;
  // A slot holds a page of a database cachedb made, or a smaller one, with
  // its header; 8-byte aligned, as SQLite wants them.
  const int slot = (kNewDatabasePageBytes + header + 7) & ~7;
  std::unique_ptr<HugePages> memory;
  try {
    memory = std::make_unique<HugePages>(static_cast<std::size_t>(slot) * pages);
  } catch (const std::bad_alloc&) {
    return false;
  }
  // SQLITE_MISUSE once SQLite has started: the pool would not be used.
  if (sqlite3_config(SQLITE_CONFIG_PAGECACHE, memory->data(), slot, static_cast<int>(pages)) != SQLITE_OK)
    return false;
  pool = memory.release();
  return true;
}

}  // namespace cachedb
