#include "storage/interner.h"

namespace cachedb {

Interner::Interner(SQLite::Database& db, const std::string& table)
    : db_(db),
      select_(db, "SELECT id FROM " + table + " WHERE name = ?"),
      insert_(db, "INSERT INTO " + table + "(name) VALUES (?)") {}

std::int64_t Interner::id(std::string_view name) {
  if (auto it = cache_.find(name); it != cache_.end()) return it->second;
  std::int64_t id;
  select_.bind(1, name);
  if (select_.step()) {
    id = select_.int64(0);
  } else {
    insert_.with(name).exec();
    id = db_.getLastInsertRowid();
  }
  select_.reset();
  // A cache of what the table can always answer: emptied when full, so that
  // memory does not grow with the number of distinct values.
  if (cache_.size() >= kMaxCached) cache_.clear();
  cache_.emplace(std::string(name), id);
  return id;
}

}  // namespace cachedb
