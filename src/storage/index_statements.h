#pragma once
// The statements the index writer runs (ingest/index_writer.cc) besides the
// ones it shares with the page writer (writer_statements.h), prepared once on
// the writer's connection. The caller owns the transaction.
#include <cstdint>
#include <string_view>

#include <SQLiteCpp/Database.h>

#include "storage/sources.h"
#include "storage/statement.h"

namespace cachedb {

struct IndexStatements {
  // Makes the writer's scratch tables (temp, on this connection) first.
  explicit IndexStatements(SQLite::Database& db);

  // An index's source row.
  Statement index_source, source_set_hash;
  // What an index lists.
  Statement listing_insert, listing_delete, listing_affect, source_ids_of_release;
  // Dependencies.
  Statement dependency_any, dependency_insert, dependency_delete_of_spec;
  // Specs an index touched, and those waiting for a compiler node.
  Statement affected_releases, affected_specs, affected_clear, late_insert, late_hashes, late_apply, late_clear,
      compiler_node;
  // Deriving a release's rows from its indexes.
  Statement release_unlink_affected, release_listings, spec_all_stacks, spec_is_kept;
};

}  // namespace cachedb
