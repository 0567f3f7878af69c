#pragma once
// Ad-hoc SQL for analysts (`cachedb sql`): one read-only statement with bound
// parameters, its rows handed on one by one as SQLite produces them, and
// writers that put them on stdout in any of the report formats without ever
// holding the whole result.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "report/render.h"
#include "report/source_run.h"

namespace cachedb {

// One value of the current row. `text` is SQLite's own rendering (empty for
// NULL), and for a BLOB its SQL literal (X'00FF', as quote() writes it: raw
// bytes would break a terminal or a JSON reader); valid only until the next row.
struct QueryValue {
  enum class Type { Null, Integer, Real, Text, Blob } type = Type::Null;
  std::string_view text;
  std::string_view blob;  // a BLOB's bytes

  std::int64_t integer = 0;
  double real = 0;
  bool numeric() const { return type == Type::Integer || type == Type::Real; }
};

struct QueryColumn {
  std::string name;
  // The declared type of the column the value comes from ('INTEGER', 'TEXT'),
  // empty for an expression: a hint for alignment before any value is seen.
  std::string decltype_;
  bool declared_numeric() const;
};

// Where the rows go.
class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual void begin(const std::vector<QueryColumn>& columns) = 0;
  virtual void row(const std::vector<QueryValue>& values) = 0;
  // After the last row.
  virtual void end() = 0;
  // Instead of end() when the query fails part way: write out any row still
  // held, and nothing that would make the output look complete.
  virtual void stopped() {}
};

// --param NAME=VALUE. NAME is 'x' (or ':x', '$x', '@x', all the same) for the
// named parameters :x, $x and @x, or 'N' ('?N') for the N-th parameter, ?N
// or a plain '?'. A value that reads as an integer or a real is bound as one
// (as the sqlite3 shell's .param set does) unless `text` forces text.
struct QueryParam {
  std::string name;
  std::string value;
  bool text = false;
};

// Splits 'NAME=VALUE'; throws Error when there is no '=' or no name.
QueryParam parse_param(const std::string& arg, bool text);

struct QueryOptions {
  // Stop the statement after this long (0: never). SQLite checks the clock
  // every few thousand virtual-machine steps, so even a query that returns
  // no row for a long time (a sort, a huge aggregate) is stopped on time.
  std::chrono::milliseconds timeout{0};
};

// Runs one statement, handing each row to `sink` as soon as SQLite produces
// it. A parameter the query does not have, or one it has but was not given, is
// an Error. A statement that would write is refused with an Error before it
// runs (SQLite's own verdict, sqlite3_stmt_readonly), and the connection is
// read-only anyway. An error part way (the timeout, an overflow) is an Error
// after the rows before it went to the sink.
void run_query(SQLite::Database& db, const std::string& sql, const std::vector<QueryParam>& params,
               RowSink& sink, const QueryOptions& options = {});

// Buffered writes to a file descriptor (stdout) that reach it as rows come:
// the first row at once, then whenever 64 KiB are pending or 200 ms have gone
// by since the last write; every row on a terminal. Memory is the buffer.
class RowOutput {
 public:
  explicit RowOutput(int fd, bool every_row);
  ~RowOutput();  // writes what is left, ignoring errors (flush() reports them)
  RowOutput(const RowOutput&) = delete;
  RowOutput& operator=(const RowOutput&) = delete;
  std::string& buffer() { return buffer_; }
  void put(std::string_view s) { buffer_.append(s); }
  // A row is complete: write it out if it is time to.
  void row_done();
  // Writes everything pending; throws Error when the write fails.
  void flush();

 private:
  int fd_;
  bool every_row_;
  bool wrote_a_row_ = false;
  std::string buffer_;
  std::chrono::steady_clock::time_point last_write_;
};

// A sink writing the rows in `format`. Every format but the aligned table
// writes each row as it comes; the table holds its first rows (up to
// kTableWindowRows, or kTableWindowBytes of text) to size its columns, then
// writes them and every later row at those widths (a longer value later just
// pushes its line out of alignment).
// The formats that are documents name the run the database was made by, as a
// report does: json in "source" (between "columns" and "rows"), markdown in a
// line after the table, html in the page's note, with `sql` (the query, or the
// command) above the table. csv, tsv, ndjson and the table are the rows alone.
std::unique_ptr<RowSink> make_row_writer(Format format, RowOutput& out, const std::string& sql,
                                         const std::optional<SourceRun>& source);

constexpr std::size_t kTableWindowRows = 1000;
constexpr std::size_t kTableWindowBytes = 4 << 20;

}  // namespace cachedb
