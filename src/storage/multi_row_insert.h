#pragma once
// An INSERT of one VALUES group (any clause after it, ON CONFLICT say, stays
// after it), run for up to max_rows rows at a time: the group is repeated, so
// that many rows cost one statement's start, cursor and end. A statement for each row count is prepared when
// first needed and kept.
#include <algorithm>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "storage/statement.h"

namespace cachedb {

class MultiRowInsert {
 public:
  MultiRowInsert(SQLite::Database& db, std::string_view sql, std::size_t max_rows);

  // The statement for `rows` rows (1 to max_rows()): bind each row's columns
  // in turn, row after row.
  Statement& rows(std::size_t rows);
  std::size_t max_rows() const { return by_rows_.size() - 1; }

  // Inserts every one of `all`, max_rows() to a statement; bind(use, row)
  // binds one row's columns.
  template <typename Row, typename Bind>
  void insert_all(std::span<const Row> all, Bind&& bind) {
    for (std::size_t at = 0; at < all.size(); at += max_rows()) {
      const std::size_t n = std::min(max_rows(), all.size() - at);
      auto use = rows(n).use();
      for (const Row& row : all.subspan(at, n)) bind(use, row);
      use.exec();
    }
  }

 private:
  SQLite::Database& db_;
  std::string head_, group_, tail_;  // the SQL before its VALUES group, the group, what follows
  std::vector<std::unique_ptr<Statement>> by_rows_;
};

}  // namespace cachedb
