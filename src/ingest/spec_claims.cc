#include "ingest/spec_claims.h"

#include <string_view>

namespace cachedb {
namespace {

// Binds an optional value, NULL when absent.
void bind_optional(Statement& st, int i, const std::optional<std::int64_t>& v) {
  if (v) st.bind(i, *v);
  else st.bind_null(i);
}
void bind_optional(Statement& st, int i, const std::optional<std::string>& v) {
  if (v) st.bind(i, std::string_view(*v));
  else st.bind_null(i);
}

// A claim as the rule sees it: the page's place in (release, package) order.
struct PlacedClaim {
  std::int64_t page = 0, release = 0;
  std::string release_name, package_name;
  Claim claim;
};

}  // namespace

SpecClaims::SpecClaims(SQLite::Database& db)
    : db_(db),
      contest_copy_(db,
          "INSERT INTO spec_claim(spec_id, page_id, package_id, version, compiler_id, os_id, platform_id, target_id, "
          "variant_set_id, stack_set_id, size, tarball) "
          "SELECT rs.spec_id, rs.page_id, s.package_id, s.version, s.compiler_id, s.os_id, s.platform_id, "
          "s.target_id, s.variant_set_id, rs.stack_set_id, rs.size, rs.tarball "
          "FROM release_spec rs JOIN spec s ON s.id = rs.spec_id WHERE rs.spec_id = ?"),
      contest_mark_(db, "UPDATE spec SET contested = 1 WHERE id = ?"),
      insert_(db,
          "INSERT OR REPLACE INTO spec_claim(spec_id, page_id, package_id, version, compiler_id, os_id, platform_id, "
          "target_id, variant_set_id, stack_set_id, size, tarball) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      by_page_(db, "SELECT spec_id FROM spec_claim WHERE page_id = ?"),
      delete_by_page_(db, "DELETE FROM spec_claim WHERE page_id = ?"),
      // Byte order (SQLite's BINARY collation): the last row is the one whose word counts.
      of_spec_(db,
          "SELECT c.page_id, pg.release_id, r.name, pk.name, c.package_id, c.version, c.compiler_id, c.os_id, "
          "c.platform_id, c.target_id, c.variant_set_id, c.stack_set_id, c.size, c.tarball "
          "FROM spec_claim c JOIN page pg ON pg.id = c.page_id JOIN release r ON r.id = pg.release_id "
          "JOIN package pk ON pk.id = pg.package_id WHERE c.spec_id = ? ORDER BY r.name, pk.name"),
      update_spec_(db,
          "UPDATE spec SET package_id = ?, version = ?, compiler_id = ?, os_id = ?, platform_id = ?, target_id = ?, "
          "variant_set_id = ?, contested = ? WHERE id = ?"),
      forget_versions_(db, "DELETE FROM spec_version WHERE spec_id = ?"),
      insert_version_(db, "INSERT OR IGNORE INTO spec_version(spec_id, version) VALUES (?, ?)"),
      delete_rows_(db, "DELETE FROM release_spec WHERE spec_id = ?"),
      insert_row_(db,
          "INSERT INTO release_spec(release_id, spec_id, page_id, stack_set_id, package_id, compiler_id, os_id, "
          "platform_id, target_id, size, tarball) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      delete_claims_(db, "DELETE FROM spec_claim WHERE spec_id = ?"),
      delete_spec_(db, "DELETE FROM spec WHERE id = ?") {}

void SpecClaims::contest(std::int64_t spec_id) {
  contest_copy_.with(spec_id).exec();
  contest_mark_.with(spec_id).exec();
}

void SpecClaims::add(std::int64_t spec_id, std::int64_t page_id, const Claim& c) {
  insert_.with(spec_id, page_id, c.package, c.version, c.compiler, c.os, c.platform, c.target, c.variant_set,
               c.stack_set);
  bind_optional(insert_, 11, c.size);
  bind_optional(insert_, 12, c.tarball);
  insert_.exec();
}

std::vector<std::int64_t> SpecClaims::retract(std::int64_t page_id) {
  std::vector<std::int64_t> specs;
  by_page_.bind(1, page_id);
  while (by_page_.step()) specs.push_back(by_page_.int64(0));
  by_page_.reset();
  if (!specs.empty()) delete_by_page_.with(page_id).exec();
  return specs;
}

bool SpecClaims::settle(std::int64_t spec_id) {
  std::vector<PlacedClaim> claims;
  of_spec_.bind(1, spec_id);
  while (of_spec_.step()) {
    PlacedClaim p;
    p.page = of_spec_.int64(0);
    p.release = of_spec_.int64(1);
    p.release_name = of_spec_.text(2);
    p.package_name = of_spec_.text(3);
    Claim& c = p.claim;
    c.package = of_spec_.int64(4);
    c.version = of_spec_.text(5);
    c.compiler = of_spec_.int64(6);
    c.os = of_spec_.int64(7);
    c.platform = of_spec_.int64(8);
    c.target = of_spec_.int64(9);
    c.variant_set = of_spec_.int64(10);
    c.stack_set = of_spec_.int64(11);
    if (!of_spec_.is_null(12)) c.size = of_spec_.int64(12);
    if (!of_spec_.is_null(13)) c.tarball = std::string(of_spec_.text(13));
    claims.push_back(std::move(p));
  }
  of_spec_.reset();

  delete_rows_.with(spec_id).exec();
  if (claims.empty()) {
    // No page lists it any more. (Done by hand: the ingest runs without
    // foreign-key enforcement, see ingester.cc.)
    forget_versions_.with(spec_id).exec();
    delete_spec_.with(spec_id).exec();
    return false;
  }

  const Claim& word = claims.back().claim;
  // Contested still while some page says otherwise, or a release lists it twice.
  bool agreed = true;
  for (std::size_t i = 0; i < claims.size(); ++i) {
    const bool holder = i + 1 == claims.size() || claims[i + 1].release != claims[i].release;
    if (!holder || !claims[i].claim.same_description(word)) agreed = false;
    if (!holder) continue;
    const Claim& c = claims[i].claim;
    insert_row_.with(claims[i].release, spec_id, claims[i].page, c.stack_set, word.package, word.compiler, word.os,
                     word.platform, word.target);
    bind_optional(insert_row_, 10, c.size);
    bind_optional(insert_row_, 11, c.tarball);
    insert_row_.exec();
  }

  update_spec_.with(word.package, word.version, word.compiler, word.os, word.platform, word.target, word.variant_set,
                    agreed ? 0 : 1, spec_id)
      .exec();
  forget_versions_.with(spec_id).exec();
  for (std::size_t at = 0; !word.version.empty() && at <= word.version.size();) {
    std::size_t end = word.version.find(',', at);
    if (end == std::string::npos) end = word.version.size();
    insert_version_.with(spec_id, std::string_view(word.version).substr(at, end - at)).exec();
    at = end + 1;
  }
  // Agreeing pages need no word of their own: spec and release_spec say it.
  if (agreed) delete_claims_.with(spec_id).exec();
  return true;
}

}  // namespace cachedb
