#include "ingest/dependency_compilers.h"

#include <string>
#include <vector>

#include <fmt/format.h>

#include "ingest/findings.h"
#include "ingest/spec_claims.h"
#include "parsing/compiler.h"
#include "storage/embedded_sql.h"
#include "storage/statement.h"
#include "storage/writer_statements.h"

namespace cachedb {

std::int64_t settle_dependency_compilers(SQLite::Database& db, std::vector<Finding>* findings) {
  std::vector<std::int64_t> waiting;
  {
    Statement pending(db, "SELECT spec_id FROM compiler_pending ORDER BY 1");
    for (auto row = pending(); row.next();) waiting.push_back(row.int64(0));
  }
  if (waiting.empty()) return 0;  // every night but the rare one

  Statement provider(db, required_sql("storage/compiler_provider.sql"));
  Statement compiler_select(db, "SELECT id FROM compiler WHERE label = ?");
  Statement compiler_insert(db, "INSERT INTO compiler(label, name, version) VALUES (?, ?, ?)");
  Statement compiler_of(db, "SELECT compiler_id, contested FROM spec WHERE id = ?");
  Statement on_page(db, required_sql("storage/spec_on_page.sql"));
  Statement spec_set(db, "UPDATE spec SET compiler_id = ? WHERE id = ? AND compiler_id <> ?");
  // A hash a page lists too: the page's word is a claim while it differs
  // from the index's description (ingest/spec_claims.h), which this changes.
  WriterStatements sql(db);
  SpecClaims claims(sql);
  std::vector<std::int64_t> reclaimed;
  // Of those, the ones now named by their node, with that compiler.
  std::vector<std::pair<std::int64_t, std::int64_t>> named;
  // Asked only where pages are stored: into an empty database (a bulk load,
  // no index on release_spec by spec yet) each ask would be a scan.
  Statement pages(db, "SELECT 1 FROM source WHERE kind = 'page' LIMIT 1");
  const bool any_page = pages().next();
  Statement settled(db, "DELETE FROM compiler_pending WHERE spec_id = ?");
  std::string changed = "[";  // the specs whose compiler changed, a JSON array for json_each
  std::int64_t count = 0;
  for (const std::int64_t spec : waiting) {
    auto row = provider(spec);
    if (!row.next()) {
      // No edge provides a compiler (the spec's edges were replaced): nothing to wait for.
      settled(spec).exec();
      continue;
    }
    const bool node = !row.is_null(1);
    // Labelled as the index writer labels a compiler (parse_compiler's label:
    // '=11.4.0' reads 11.4.0), so that the row is the one a fresh ingest uses.
    const Compiler c = parse_compiler(!node                ? std::string(row.text(0))
                                      : row.text(2).empty() ? std::string(row.text(1))
                                                            : fmt::format("{}@{}", row.text(1), row.text(2)));
    const std::string label = c.label();
    std::int64_t id = 0;
    if (auto found = compiler_select(label); found.next()) {
      id = found.int64(0);
    } else {
      compiler_insert(label, c.name, c.version).exec();
      id = db.getLastInsertRowid();
    }
    {
      auto now = compiler_of(spec);
      if (any_page && now.next() && now.int64(0) != id && on_page(spec).next()) {
        // The pages' words first, while the spec still says what they say.
        if (now.int64(1) == 0) claims.contest(spec);
        reclaimed.push_back(spec);
        if (node) named.emplace_back(spec, id);
      }
    }
    auto set = spec_set(id, spec, id);
    set.exec();
    if (set.changes() > 0) {
      changed += fmt::format("{}{}", count ? "," : "", spec);
      ++count;
    }
    if (node) settled(spec).exec();
  }
  if (count) {
    // One statement for all: during a bulk load release_spec has no index by
    // spec yet, and this is one pass over it instead of one per spec.
    changed += ']';
    Statement rows(db,
                   "UPDATE release_spec SET compiler_id = (SELECT compiler_id FROM spec WHERE id = release_spec.spec_id) "
                   "WHERE spec_id IN (SELECT value FROM json_each(?))");
    rows(changed).exec();
  }
  if (findings && !named.empty()) {
    Statement page_of(db, "SELECT path FROM source WHERE id = ?");
    Statement hash_of(db, "SELECT hash FROM spec WHERE id = ?");
    Statement label_of(db, "SELECT label FROM compiler WHERE id = ?");
    std::int64_t none = 0;  // a page naming no compiler says nothing otherwise (reported_against_index())
    if (auto row = compiler_select("none"); row.next()) none = row.int64(0);
    for (const auto& [spec, compiler] : named) {
      auto hash = hash_of(spec);
      auto label = label_of(compiler);
      if (!hash.next() || !label.next()) continue;
      for (auto claim = sql.claims_of_spec(spec); claim.next();) {
        const std::int64_t said = claim.int64(6);
        if (said == compiler || said == none) continue;
        auto page = page_of(claim.int64(0));
        findings->push_back(settled_compiler_conflict(page.next() ? std::string(page.text(0)) : std::string(),
                                                      std::string(claim.text(2)), std::string(claim.text(3)),
                                                      std::string(hash.text(0)), std::string(label.text(0))));
      }
    }
  }
  for (const std::int64_t spec : reclaimed) claims.settle(spec);
  return count;
}

}  // namespace cachedb
