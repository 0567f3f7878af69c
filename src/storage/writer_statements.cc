#include "storage/writer_statements.h"

#include <string>

#include "storage/embedded_sql.h"

namespace cachedb {
namespace {

// A writer makes them all and may run few (none in an unchanged re-ingest).
constexpr Prepare kLazy = Prepare::when_first_run;

}  // namespace

WriterStatements::WriterStatements(SQLite::Database& d)
    : db(d),
      source_insert(db, required_sql("storage/source_insert.sql"), kLazy),
      source_by_key(db, "SELECT id, content_hash FROM source WHERE kind = ? AND release_id = ? AND key_id = ?", kLazy),
      source_update(db, required_sql("storage/source_update.sql"), kLazy),
      source_restamp(db, "UPDATE source SET path = ?, file_size = ?, file_mtime_ns = ? WHERE id = ?", kLazy),
      source_delete(db, "DELETE FROM source WHERE id = ?", kLazy),
      specs_of_source(db, "SELECT spec_id FROM release_spec WHERE source_id = ?", kLazy),
      source_unlink(db, "DELETE FROM release_spec WHERE source_id = ?", kLazy),
      // A spec's rows from pages (a release read from indexes derives its own).
      spec_unlink(db, "DELETE FROM release_spec WHERE spec_id = ? AND NOT EXISTS "
                      "(SELECT 1 FROM source s WHERE s.id = release_spec.source_id AND s.kind = 'index')", kLazy),
      spec_is_listed(db, "SELECT 1 FROM release_spec WHERE spec_id = ? LIMIT 1", kLazy),
      spec_stack_sets(db, "SELECT DISTINCT stack_set_id FROM release_spec WHERE spec_id = ?", kLazy),
      spec_in_index(db, "SELECT 1 FROM index_listing WHERE spec_id = ? LIMIT 1", kLazy),
      spec_compiler_pending(db, "SELECT 1 FROM compiler_pending WHERE spec_id = ?", kLazy),
      // Listed by an index, or with the edges one gave it: an index run that
      // unlisted it keeps them until it ends (IndexWriter's refresh()), as a
      // later index of the same run may list it again.
      spec_index_described(db, "SELECT 1 FROM index_listing WHERE spec_id = ?1 "
                               "UNION ALL SELECT 1 FROM dependency WHERE spec_id = ?1 LIMIT 1", kLazy),
      spec_by_hash(db, required_sql("storage/spec_by_hash.sql"), kLazy),
      spec_insert(db, required_sql("storage/spec_insert.sql"), kLazy),
      specs_of_package(db, required_sql("storage/specs_of_package.sql"), kLazy),
      spec_set_all_stacks(db, "UPDATE spec SET all_stack_set_id = ? WHERE id = ?", kLazy),
      spec_update(db, required_sql("storage/spec_update.sql"), kLazy),
      spec_forget_versions(db, "DELETE FROM spec_version WHERE spec_id = ?", kLazy),
      spec_version_insert(db, "INSERT OR IGNORE INTO spec_version(spec_id, version) VALUES (?, ?)", kLazy),
      spec_delete(db, "DELETE FROM spec WHERE id = ?", kLazy),
      compiler_select(db, "SELECT id FROM compiler WHERE label = ?", kLazy),
      compiler_insert(db, "INSERT INTO compiler(label, name, version) VALUES (?, ?, ?)", kLazy),
      variant_select(db, "SELECT id FROM variant WHERE text = ?", kLazy),
      variant_insert(db, "INSERT INTO variant(text, name, propagate, exact) VALUES (?, ?, ?, ?)", kLazy),
      variant_value_insert(db, "INSERT INTO variant_value(variant_id, position, value) VALUES (?, ?, ?)", kLazy),
      variant_set_select(db, "SELECT id FROM variant_set WHERE key = ?", kLazy),
      variant_set_insert(db, "INSERT INTO variant_set(key) VALUES (?)", kLazy),
      variant_set_member_insert(
          db, "INSERT OR IGNORE INTO variant_set_member(variant_set_id, variant_id) VALUES (?, ?)", kLazy),
      stack_set_select(db, "SELECT id FROM stack_set WHERE key = ?", kLazy),
      stack_set_insert(db, "INSERT INTO stack_set(key) VALUES (?)", kLazy),
      stack_set_member_insert(db, "INSERT OR IGNORE INTO stack_set_member(stack_set_id, stack_id) VALUES (?, ?)",
                              kLazy),
      stack_set_members(db, "SELECT stack_id FROM stack_set_member WHERE stack_set_id = ?", kLazy),
      claim_contest(db, required_sql("storage/claim_contest.sql"), kLazy),
      claim_mark_contested(db, "UPDATE spec SET contested = 1 WHERE id = ?", kLazy),
      claim_insert(db, required_sql("storage/claim_insert.sql"), kLazy),
      claims_by_source(db, "SELECT spec_id FROM spec_claim WHERE source_id = ?", kLazy),
      claims_delete_by_source(db, "DELETE FROM spec_claim WHERE source_id = ?", kLazy),
      claims_of_spec(db, required_sql("storage/claims_of_spec.sql"), kLazy),
      claims_delete_of_spec(db, "DELETE FROM spec_claim WHERE spec_id = ?", kLazy),
      spec_description(db, "SELECT package_id, version, compiler_id, os_id, platform_id, target_id, variant_set_id "
                           "FROM spec WHERE id = ?", kLazy),
      spec_set_contested(db, "UPDATE spec SET contested = ? WHERE id = ?", kLazy),
      spec_contested(db, "SELECT contested FROM spec WHERE id = ?", kLazy),
      release_spec_inserts_(db, required_sql("storage/release_spec_insert.sql"), kRowsPerInsert) {}

void WriterStatements::delete_spec(std::int64_t spec_id) {
  spec_forget_versions(spec_id).exec();
  spec_delete(spec_id).exec();
}

void WriterStatements::write_versions(std::int64_t spec_id, std::span<const std::string_view> versions) {
  for (auto v : versions) spec_version_insert(spec_id, v).exec();
}

}  // namespace cachedb
