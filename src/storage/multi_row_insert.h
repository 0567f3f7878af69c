#pragma once
// An INSERT of one VALUES group (any clause after it, ON CONFLICT say, stays
// after it), run for up to max_rows rows at a time: the group is repeated, so
// that many rows cost one statement's start, cursor and end. A statement for each row count is prepared when
// first needed and kept.
#include <algorithm>
#include <bit>
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
  // binds one row's columns. What is left after the full statements goes in
  // pieces of a power of two rows (100 = 64 + 32 + 4), so that a run
  // prepares at most a statement per power of two, not one per count of
  // rows left over: a statement of 256 rows of 11 columns takes ~0.3 ms to
  // prepare, and an index run leaves a different count over at the end of
  // every index (100 MB of indexes: ~6 ms of the writer's 0.25 s under
  // perf went on preparing them).
  template <typename Row, typename Bind>
  void insert_all(std::span<const Row> all, Bind&& bind) {
    for (std::size_t at = 0; at < all.size();) {
      const std::size_t n = piece(all.size() - at);
      auto use = rows(n).use();
      for (const Row& row : all.subspan(at, n)) bind(use, row);
      use.exec();
      at += n;
    }
  }
  // How many of `left` rows the next statement of insert_all takes.
  std::size_t piece(std::size_t left) const {
    if (left >= max_rows()) return max_rows();
    return std::bit_floor(left);
  }

 private:
  SQLite::Database& db_;
  std::string head_, group_, tail_;  // the SQL before its VALUES group, the group, what follows
  std::vector<std::unique_ptr<Statement>> by_rows_;
};

}  // namespace cachedb
