// A released migration is never edited: databases in the field ran it as it
// was, so a change to it would leave theirs different from new ones. A change
// to the schema is a new numbered migration (and schema/schema.sql with it).
#include <doctest/doctest.h>

#include <map>
#include <string>

#include <fmt/format.h>
#include <xxhash.h>

#include "storage/embedded_sql.h"

namespace {

std::string fingerprint(std::string_view text) {
  const XXH128_hash_t h = XXH3_128bits(text.data(), text.size());
  return fmt::format("{:016x}{:016x}", h.high64, h.low64);
}

}  // namespace

TEST_CASE("released migrations are frozen: each one's text is pinned") {
  // A new migration gets its line here when it is released; none is ever changed.
  const std::map<std::string, std::string> pinned = {
      {"migrations/0001_initial.sql", "72e655298ea0e0934c7cf4bea51bf06c"},
      {"migrations/0002_ingest_log.sql", "4038714d200446c3e283a9e4e24c8702"},
      {"migrations/0003_reports.sql", "fbe3a29f42f6b803aeafe8a513e291a5"},
      {"migrations/0004_page_stamps.sql", "981b124d6a07715ab2267cabc4e7d77d"},
      {"migrations/0005_claims.sql", "cd19ae423404a716db8c2b5ac947a4f0"},
      {"migrations/0006_source_documents.sql", "dc7e146ebacefea0ce828e5501a2a11d"},
      {"migrations/0007_index_listings.sql", "5e4976d3d0d44b62b81e40e24bdca270"},
      {"migrations/0008_dependency_compilers.sql", "34198405f32bb3245291e92e93788d7a"},
      {"migrations/0009_spack_variant_text.sql", "7a43a18aade1da7fe8b42fcdedc9331c"},
      {"migrations/0010_index_redescribes_shared_hashes.sql", "66d0432a32fdeeb6d654de7168f073ba"},
      {"migrations/0011_unused_names.sql", "75c797d847c7000f1d749753e45902a4"},
      {"migrations/0012_unlisted_specs_lose_edges.sql", "17afce866da38b2897be4fbfea829343"},
      {"migrations/0013_compiler_node_redescribed.sql", "6366cb4e3a88edecf25ec7197a770ead"},
      {"migrations/0014_index_lists_print_exact.sql", "1acd024ce211049fee62710b8e195b76"},
      {"migrations/0015_index_lists_sorted.sql", "f08063f8790966d7bf03a0eb5d43005f"},
      {"migrations/0016_index_rows_held_by_name.sql", "edd121c74998f15670fbd8a2ea7b9e51"},
  };
  std::map<std::string, std::string> embedded;
  for (const auto& f : cachedb::embedded_sql())
    if (f.name.starts_with("migrations/")) embedded[std::string(f.name)] = fingerprint(f.text);
  for (const auto& entry : embedded) {
    // Plain names, not a structured binding: clang before 16 cannot capture one (INFO does).
    const std::string& name = entry.first;
    const std::string& sum = entry.second;
    INFO(name);
    REQUIRE_MESSAGE(pinned.count(name) == 1, "a new migration: pin it here (its fingerprint is " << sum << ")");
    CHECK_MESSAGE(pinned.at(name) == sum, "a released migration was edited: put the change in a new one");
  }
  CHECK(embedded.size() == pinned.size());
}
