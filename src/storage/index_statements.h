#pragma once
// The statements the index writer runs (ingest/index_writer.cc) besides the
// ones it shares with the page writer (writer_statements.h), prepared once on
// the writer's connection. The caller owns the transaction.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>
#include <string_view>

#include <SQLiteCpp/Database.h>

#include "storage/multi_row_insert.h"
#include "storage/sources.h"
#include "storage/statement.h"

namespace cachedb {

struct IndexStatements {
  // Makes the writer's scratch tables (temp, on this connection) first.
  explicit IndexStatements(SQLite::Database& db);

  // An index's source row.
  Statement index_source, source_set_hash;
  // What an index lists: (source, spec, in_buildcache) rows, many at a time.
  // listing_append fails at a pair stored already (OR FAIL: the rows before
  // it stay); listing_upsert takes the row's word there. See write_listing().
  MultiRowInsert listing_append, listing_upsert;
  Statement listing_delete, listing_touch, source_ids_of_release;
  // A spec new to the database (sql/index_spec_insert.sql); one a page
  // described, described by an index (sql/index_spec_redescribe.sql); whether
  // a page lists a spec.
  Statement spec_insert, spec_redescribe, spec_on_page;
  // The dimensions of a spec described again, on its index releases' rows
  // (sql/index_rows_redescribe.sql). index_redescribe (migration 0010):
  // whether any spec waits there; takes one out (changes() says whether it was).
  // And takes out every one no index lists.
  Statement index_rows_redescribe, redescribe_any, redescribe_take, redescribe_unlisted;
  // compiler_pending: a spec waits; waits no more. A spec's compiler is its page's.
  Statement pending_insert, pending_delete, spec_page_compiler;
  // A new spec's version, many specs at a time.
  MultiRowInsert version_insert;
  // Dependencies: (spec, dependency hash, its package, deptypes, virtuals) rows, many at a time.
  MultiRowInsert dependency_insert;
  Statement dependency_any, dependency_delete_of_spec;
  // Specs whose holdings changed, and those waiting for a compiler node.
  Statement touch, touched_specs, spec_touched, touched_clear, late_insert, late_hashes, late_apply, late_pending,
      late_clear, compiler_node;
  // Deriving a release's rows from its indexes: what they should be (the
  // release's indexes, and what each lists in the build cache: one statement
  // per index, as they are read at once, made as needed), what they are, and
  // the changes.
  Statement release_indexes;
  // Every index stored: source id, release id, release name, stack name (--prune).
  Statement stored_indexes;
  Statement& listed_in_buildcache(std::size_t index);
  Statement spec_dimensions, release_rows, release_row_delete, release_row_restack;
  // Release rows (the columns of sql/release_spec_insert.sql), many at a time.
  MultiRowInsert release_row_insert;
  // A spec's stacks over every release.
  Statement spec_all_stacks, spec_is_kept, stack_sets_of_specs;

 private:
  SQLite::Database& db_;
  std::vector<std::unique_ptr<Statement>> listed_;
};

}  // namespace cachedb
