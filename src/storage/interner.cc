#include "storage/interner.h"

namespace cachedb {

Interner::Interner(SQLite::Database& db, const std::string& table, bool cached, std::size_t max_cached)
    : db_(db),
      cached_(cached),
      max_cached_(max_cached),
      select_(db, "SELECT id FROM " + table + " WHERE name = ?"),
      insert_(db, "INSERT INTO " + table + "(name) VALUES (?)", Prepare::when_first_run) {}

std::int64_t Interner::id(std::string_view name, bool* inserted) {
  if (inserted) *inserted = false;
  const Fingerprint key = fingerprint_of(name);
  Recent& recent = recent_[key.low % kRecent];
  if (recent.id != 0 && recent.key == key) return recent.id;  // never filled without a cache
  if (auto it = cache_.find(key); it != cache_.end()) {
    recent = {key, it->second};
    return it->second;
  }
  std::int64_t id;
  if (auto row = select_(name); row.next()) {
    id = row.int64(0);
  } else {
    insert_(name).exec();
    id = db_.getLastInsertRowid();
    if (inserted) *inserted = true;
  }
  // A cache of what the table can always answer: emptied when full, so that
  // memory does not grow with the number of distinct values.
  if (!cached_) return id;
  if (cache_.size() >= max_cached_) clear();
  cache_.emplace(key, id);
  recent_[key.low % kRecent] = {key, id};
  return id;
}

void Interner::clear() {
  cache_.clear();
  recent_.fill({});
}

}  // namespace cachedb
