#pragma once
// A large matrix made readable: its rows and columns in a useful order, the
// largest rows only, turned on its side, the rows and columns of zeros left
// out, and a cap on how many cells a page may hold.
#include <cstddef>
#include <string>

#include "report/matrix.h"

namespace cachedb {

enum class SortBy {
  Name,   // as Spack orders versions (report/version_order.h)
  Total,  // largest total first, ties by name
};

struct ShapeOptions {
  SortBy sort = SortBy::Name;
  std::size_t top = 0;      // keep the N rows with the largest totals; 0 keeps all
  bool transpose = false;   // rows become columns
  bool show_empty = false;  // keep rows and columns whose cells are all 0
  bool totals = false;      // totals are shown: a row or column whose total is not 0 is not empty
};

// In this order: transposes, keeps the --top rows, leaves out the empty rows
// and columns (a column can be empty only among the rows kept), then sorts.
// Records what it left out in m.omitted and the order in m.sorted_by.
void shape_matrix(Matrix& m, const ShapeOptions& options);

// Rows times columns: what a layout would have to draw.
std::size_t cell_count(const Matrix& m);

// Keeps the first `rows` rows (the order the matrix is in), recording the
// others in m.omitted.limit_rows. The totals still count every row.
void keep_first_rows(Matrix& m, std::size_t rows);

// What was left out, in one sentence for a person, naming the option that
// brings it back; empty when nothing was.
std::string omitted_note(const Matrix& m);

}  // namespace cachedb
