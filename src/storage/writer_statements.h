#pragma once
// The statements the page writer and the spec claims run (ingest/page_writer.cc,
// ingest/spec_claims.cc), prepared once on the writer's connection. Their SQL
// is here or, when longer than a line, in sql/; when each runs is the
// writer's business. The caller owns the transaction.
#include <cstdint>
#include <span>
#include <string_view>

#include <SQLiteCpp/Database.h>

#include "storage/multi_row_insert.h"
#include "storage/statement.h"

namespace cachedb {

struct WriterStatements {
  explicit WriterStatements(SQLite::Database& db);

  // The key of the stack set of a spec in no release (a dependency only):
  // '-', not '' (a page may list a spec in no stack), so that reports leave
  // it out. Both writers give it such specs.
  static constexpr std::string_view kNoReleaseStacks = "-";

  // Deletes a spec no source lists any more, with its versions. (By hand: the
  // ingest connection runs without foreign-key enforcement, see ingester.cc.)
  void delete_spec(std::int64_t spec_id);
  // Stores a spec's versions, one row each.
  void write_versions(std::int64_t spec_id, std::span<const std::string_view> versions);

  // INSERT of `rows` (1 to kRowsPerInsert) release_spec rows at once, with
  // the columns of sql/release_spec_insert.sql for each: one statement's
  // start, cursor and end for many rows. Prepared when first needed.
  static constexpr std::size_t kRowsPerInsert = 16;
  Statement& release_spec_insert(std::size_t rows) { return release_spec_inserts_.rows(rows); }
  MultiRowInsert& release_spec_inserts() { return release_spec_inserts_; }

  SQLite::Database& db;

  // Sources.
  Statement source_insert, source_by_key, source_update, source_restamp, source_delete;
  // The fact table.
  Statement specs_of_source, source_unlink, spec_unlink, spec_is_listed, spec_stack_sets, spec_in_index,
      spec_compiler_pending, spec_index_described;
  // Specs.
  Statement spec_by_hash, spec_insert, specs_of_package, spec_set_all_stacks, spec_update, spec_forget_versions,
      spec_version_insert, spec_delete;
  // Dimensions and sets.
  Statement compiler_select, compiler_insert, variant_select, variant_insert, variant_value_insert,
      variant_set_select, variant_set_insert, variant_set_member_insert, stack_set_select, stack_set_insert,
      stack_set_member_insert, stack_set_members;
  // What sources that disagree about a hash say of it (ingest/spec_claims.h).
  Statement claim_contest, claim_mark_contested, claim_insert, claims_by_source, claims_delete_by_source,
      claims_of_spec, claims_delete_of_spec;
  // A spec's description (package, versions, compiler, os, platform, target,
  // variants), and whether it is contested: for a hash an index describes.
  Statement spec_description, spec_set_contested, spec_contested;

 private:
  MultiRowInsert release_spec_inserts_;
};

}  // namespace cachedb
