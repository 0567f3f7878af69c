#pragma once
// `cachedb schema`: the tables and views with a line on each column. Columns
// come from the schema the migrations build; their descriptions from the
// comments in schema/schema.sql (embedded), so there is no second copy of the
// schema to drift: a column added without a comment shows as undocumented,
// and tests/schema_doc_test.cc fails.
#include <string>
#include <vector>

namespace cachedb {

struct ColumnDoc {
  std::string name;
  std::string description;  // empty when undocumented
};

struct ObjectDoc {
  std::string kind;  // 'view' or 'table'
  std::string name;
  std::string description;
  std::vector<ColumnDoc> columns;
};

// Views first (the stable interface), then tables, each in schema order.
std::vector<ObjectDoc> schema_doc();

std::string render_schema_doc(const std::vector<ObjectDoc>& docs);

}  // namespace cachedb
