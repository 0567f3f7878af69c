#include "storage/multi_row_insert.h"

#include <fmt/format.h>

#include "error.h"

namespace cachedb {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == ';')) s.remove_suffix(1);
  return s;
}

}  // namespace

MultiRowInsert::MultiRowInsert(SQLite::Database& db, std::string_view sql, std::size_t max_rows)
    : db_(db), by_rows_(max_rows + 1) {
  sql = trimmed(sql);
  const std::size_t keyword = sql.rfind("VALUES");
  const std::size_t open = keyword == std::string_view::npos ? keyword : sql.find('(', keyword);
  const std::size_t close = open == std::string_view::npos ? open : sql.find(')', open);
  if (close == std::string_view::npos || max_rows == 0) throw Error(fmt::format("not a one-row INSERT: {}", sql));
  head_ = sql.substr(0, open);
  group_ = sql.substr(open, close + 1 - open);
  tail_ = sql.substr(close + 1);
}

Statement& MultiRowInsert::rows(std::size_t rows) {
  if (rows == 0 || rows >= by_rows_.size()) throw Error(fmt::format("{} rows in one INSERT of at most {}", rows, max_rows()));
  auto& st = by_rows_[rows];
  if (!st) {
    std::string sql = head_ + group_;
    for (std::size_t i = 1; i < rows; ++i) sql += ", " + group_;
    st = std::make_unique<Statement>(db_, sql + tail_);
  }
  return *st;
}

}  // namespace cachedb
