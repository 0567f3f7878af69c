#include "storage/index_statements.h"

#include "storage/embedded_sql.h"

namespace cachedb {
namespace {

// A writer makes them all and may run few (none in an unchanged re-ingest).
constexpr Prepare kLazy = Prepare::when_first_run;

SQLite::Database& with_temp_tables(SQLite::Database& db) {
  exec(db, required_sql("storage/index_temp_tables.sql"));
  return db;
}

}  // namespace

IndexStatements::IndexStatements(SQLite::Database& db)
    : index_source(with_temp_tables(db), "SELECT id, content_hash, path, file_size, file_mtime_ns FROM source "
                       "WHERE kind = 'index' AND release_id = ? AND key_id = ?", kLazy),
      source_set_hash(db, "UPDATE source SET content_hash = ? WHERE id = ?", kLazy),
      // OR FAIL, no upsert: a statement of several rows that could fail
      // half-way and must then undo its own rows (the default, ABORT, or an
      // upsert's DO UPDATE, which SQLite runs as ABORT) first copies every
      // page it changes to a statement journal, a temporary file. A fresh
      // ingest of 1 GB of indexes wrote 44,100 times (372 MB) to such files
      // with the upsert, 6,454 times with this.
      listing_append(db, "INSERT OR FAIL INTO index_listing(source_id, spec_id, in_buildcache) VALUES (?, ?, ?)", 64),
      listing_upsert(db,
                     "INSERT INTO index_listing(source_id, spec_id, in_buildcache) VALUES (?, ?, ?) "
                     "ON CONFLICT (source_id, spec_id) DO UPDATE SET in_buildcache = excluded.in_buildcache",
                     64),
      listing_delete(db, "DELETE FROM index_listing WHERE source_id = ?", kLazy),
      listing_touch(db, "INSERT OR IGNORE INTO temp.index_touched(spec_id) "
                        "SELECT spec_id FROM index_listing WHERE source_id = ?", kLazy),
      source_ids_of_release(db, "SELECT id FROM source WHERE kind = ? AND release_id = ? ORDER BY id", kLazy),
      spec_insert(db, required_sql("storage/index_spec_insert.sql"), kLazy),
      spec_redescribe(db, required_sql("storage/index_spec_redescribe.sql"), kLazy),
      spec_on_page(db, required_sql("storage/spec_on_page.sql"), kLazy),
      index_rows_redescribe(db, required_sql("storage/index_rows_redescribe.sql"), kLazy),
      redescribe_any(db, "SELECT 1 FROM index_redescribe LIMIT 1", kLazy),
      redescribe_take(db, "DELETE FROM index_redescribe WHERE spec_id = ?", kLazy),
      // NOT EXISTS: a lookup in index_listing_by_spec per row waiting, where NOT IN would read every listing.
      redescribe_unlisted(db, "DELETE FROM index_redescribe WHERE NOT EXISTS "
                              "(SELECT 1 FROM index_listing l WHERE l.spec_id = index_redescribe.spec_id)", kLazy),
      pending_insert(db, "INSERT OR IGNORE INTO compiler_pending(spec_id) VALUES (?)", kLazy),
      pending_delete(db, "DELETE FROM compiler_pending WHERE spec_id = ?", kLazy),
      spec_page_compiler(db, "UPDATE spec SET compiler_by_dependency = 0 WHERE id = ?", kLazy),
      version_insert(db, "INSERT OR IGNORE INTO spec_version(spec_id, version) VALUES (?, ?)", 64),
      dependency_insert(db, required_sql("storage/dependency_insert.sql"), 64),
      dependency_any(db, "SELECT 1 FROM dependency WHERE spec_id = ? LIMIT 1", kLazy),
      dependency_delete_of_spec(db, "DELETE FROM dependency WHERE spec_id = ?", kLazy),
      touch(db, "INSERT OR IGNORE INTO temp.index_touched(spec_id) VALUES (?)", kLazy),
      touched_specs(db, "SELECT spec_id FROM temp.index_touched ORDER BY 1", kLazy),
      spec_touched(db, "SELECT 1 FROM temp.index_touched WHERE spec_id = ?", kLazy),
      touched_clear(db, "DELETE FROM temp.index_touched", kLazy),
      late_insert(db, "INSERT INTO temp.index_late_compiler(spec_id, compiler_hash) VALUES (?, ?)", kLazy),
      late_hashes(db, "SELECT DISTINCT compiler_hash FROM temp.index_late_compiler ORDER BY 1", kLazy),
      late_apply(db, required_sql("storage/late_compiler_apply.sql"), kLazy),
      late_pending(db, "INSERT OR IGNORE INTO compiler_pending(spec_id) "
                       "SELECT spec_id FROM temp.index_late_compiler WHERE compiler_hash = ?", kLazy),
      late_clear(db, "DELETE FROM temp.index_late_compiler", kLazy),
      compiler_node(db, "SELECT p.name, s.version FROM spec s JOIN package p ON p.id = s.package_id WHERE s.hash = ?",
                    kLazy),
      release_indexes(db, required_sql("storage/index_release_indexes.sql"), kLazy),
      stored_indexes(db, required_sql("storage/stored_indexes.sql"), kLazy),
      spec_dimensions(db, required_sql("storage/spec_dimensions.sql"), kLazy),
      release_rows(db, required_sql("storage/index_release_rows.sql"), kLazy),
      release_row_delete(db, "DELETE FROM release_spec WHERE source_id = ? AND spec_id = ?", kLazy),
      release_row_restack(db, "UPDATE release_spec SET stack_set_id = ? WHERE source_id = ? AND spec_id = ?", kLazy),
      // 256 rows to a statement, not the page writer's 16: each statement of
      // several rows journals the table's last page before it writes (it
      // could fail half-way), and a release of indexes inserts its rows by
      // the hundred thousand (1 GB of indexes: 13,600 statements at 16).
      release_row_insert(db, required_sql("storage/release_spec_insert.sql"), 256),
      spec_all_stacks(db, required_sql("storage/spec_all_stacks.sql"), kLazy),
      spec_is_kept(db, required_sql("storage/spec_is_kept.sql"), kLazy),
      stack_sets_of_specs(db, "SELECT DISTINCT spec_id, stack_set_id FROM release_spec ORDER BY 1, 2", kLazy),
      db_(db) {}

Statement& IndexStatements::listed_in_buildcache(std::size_t index) {
  while (listed_.size() <= index)
    listed_.push_back(std::make_unique<Statement>(db_, required_sql("storage/index_listed_in_buildcache.sql")));
  return *listed_[index];
}

}  // namespace cachedb
