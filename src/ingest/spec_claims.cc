#include "ingest/spec_claims.h"

#include <string_view>

namespace cachedb {
namespace {

// A claim as the rule sees it: the page's place in (release, package) order.
struct PlacedClaim {
  std::int64_t page = 0, release = 0;
  std::string release_name, package_name;
  Claim claim;
};

// A description's seven columns from `at` on: package, versions, compiler,
// os, platform, target, variants (a claim's, or a spec's).
template <typename Row>
void read_description(const Row& row, int at, Claim& c) {
  c.package = row.int64(at);
  c.version = row.text(at + 1);
  c.compiler = row.int64(at + 2);
  c.os = row.int64(at + 3);
  c.platform = row.int64(at + 4);
  c.target = row.int64(at + 5);
  c.variant_set = row.int64(at + 6);
}

}  // namespace

void SpecClaims::contest(std::int64_t spec_id) {
  sql_.claim_contest(spec_id).exec();
  sql_.claim_mark_contested(spec_id).exec();
}

void SpecClaims::add(std::int64_t spec_id, std::int64_t page_id, const Claim& c) {
  sql_.claim_insert(spec_id, page_id, c.package, c.version, c.compiler, c.os, c.platform, c.target, c.variant_set,
                    c.stack_set, c.size, c.tarball)
      .exec();
}

std::vector<std::int64_t> SpecClaims::retract(std::int64_t page_id) {
  std::vector<std::int64_t> specs;
  for (auto row = sql_.claims_by_source(page_id); row.next();) specs.push_back(row.int64(0));
  if (!specs.empty()) sql_.claims_delete_by_source(page_id).exec();
  return specs;
}

bool SpecClaims::settle(std::int64_t spec_id) {
  std::vector<PlacedClaim> claims;
  for (auto row = sql_.claims_of_spec(spec_id); row.next();) {
    PlacedClaim p;
    p.page = row.int64(0);
    p.release = row.int64(1);
    p.release_name = row.text(2);
    p.package_name = row.text(3);
    Claim& c = p.claim;
    read_description(row, 4, c);
    c.stack_set = row.int64(11);
    if (!row.is_null(12)) c.size = row.int64(12);
    if (!row.is_null(13)) c.tarball = std::string(row.text(13));
    claims.push_back(std::move(p));
  }

  sql_.spec_unlink(spec_id).exec();
  // An index describes it: one lists it, or one listed it and this run's
  // later indexes may list it again (what its description is then is decided
  // when the run ends, IndexWriter's refresh()).
  const bool by_index = sql_.spec_index_described(spec_id).next();
  if (claims.empty() && by_index) {
    // No page contests it now.
    sql_.spec_set_contested(0, spec_id).exec();
    return true;
  }
  if (claims.empty()) {
    // No page lists it any more. (Done by hand: the ingest runs without
    // foreign-key enforcement, see ingester.cc.)
    sql_.delete_spec(spec_id);
    return false;
  }

  // A hash an index lists is described by the index: the pages' words are
  // kept, and decide only which page holds it in each release.
  Claim indexed;
  if (by_index) {
    auto d = sql_.spec_description(spec_id);
    if (!d.next()) return false;
    read_description(d, 0, indexed);
  }
  const Claim& word = by_index ? indexed : claims.back().claim;
  // Contested still while some page says otherwise, or a release lists it twice.
  bool agreed = true;
  for (std::size_t i = 0; i < claims.size(); ++i) {
    const bool holder = i + 1 == claims.size() || claims[i + 1].release != claims[i].release;
    if (!holder || !claims[i].claim.same_description(word)) agreed = false;
    if (!holder) continue;
    const Claim& c = claims[i].claim;
    sql_.release_spec_insert(1)(claims[i].release, spec_id, claims[i].page, c.stack_set, word.package, word.compiler,
                                word.os, word.platform, word.target, c.size, c.tarball)
        .exec();
  }

  if (by_index) {
    sql_.spec_set_contested(agreed ? 0 : 1, spec_id).exec();
    if (agreed) sql_.claims_delete_of_spec(spec_id).exec();
    return true;
  }
  sql_.spec_update(word.package, word.version, word.compiler, word.os, word.platform, word.target, word.variant_set,
                   agreed ? 0 : 1, spec_id)
      .exec();
  sql_.spec_forget_versions(spec_id).exec();
  // The word's versions are its page's, joined with commas.
  std::vector<std::string_view> versions;
  for (std::size_t at = 0; !word.version.empty() && at <= word.version.size();) {
    std::size_t end = word.version.find(',', at);
    if (end == std::string::npos) end = word.version.size();
    versions.push_back(std::string_view(word.version).substr(at, end - at));
    at = end + 1;
  }
  sql_.write_versions(spec_id, versions);
  // Agreeing pages need no word of their own: spec and release_spec say it.
  if (agreed) sql_.claims_delete_of_spec(spec_id).exec();
  return true;
}

}  // namespace cachedb
