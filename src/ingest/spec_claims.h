#pragma once
// When pages disagree about a hash: each page's word, and the rule that picks
// the one the database shows.
//
// Nearly always every page listing a hash describes it alike, and a release
// lists it on one page; spec holds the description and release_spec one row
// per release, and nothing else is kept. When a page says otherwise (another
// description, or another package's page of the same release listing it),
// the hash becomes contested: every page's word about it is kept in
// spec_claim, and spec and release_spec are derived from those by the rule:
//   - the description is that of the page whose (release, package) sorts last
//     in byte order ('v1.0' over 'develop', 'develop-2025-04-06' over
//     'develop-2025-03-23');
//   - in each release, the page of the package that sorts last holds it (its
//     stacks, size and URL).
// So what is stored follows from the pages there now, whichever order they
// were read in: a corrected or removed page leaves what the others say.
// A hash a build-cache index lists is described by the index instead: the
// pages' words are kept all the same (they say which page holds it in each
// page release), and describe it again once no index lists it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ingest/spec_conflict.h"
#include "storage/writer_statements.h"

namespace cachedb {

// What one page says of one hash.
struct Claim {
  std::int64_t package = 0, compiler = 0, os = 0, platform = 0, target = 0, variant_set = 0;
  std::string version;  // the page's versions, comma-separated
  std::int64_t stack_set = 0;
  std::optional<std::int64_t> size;
  std::optional<std::string> tarball;

  // The attributes a spec has whatever the release (not stacks, size or URL).
  SpecDescription description() const { return {package, compiler, os, platform, target, variant_set, version}; }
  bool same_description(const Claim& other) const {
    return description_differences(description(), other.description()) == 0;
  }
};

// The caller owns the transaction, and makes sure the indexes on release_spec
// exist (a bulk load defers them) before calling contest() or settle().
class SpecClaims {
 public:
  explicit SpecClaims(WriterStatements& sql) : sql_(sql) {}

  // Copies the word of every page that lists an uncontested spec (its
  // release_spec rows, with the spec's description) into spec_claim, and
  // marks the spec contested.
  void contest(std::int64_t spec_id);

  // Records what a page says of a contested spec.
  void add(std::int64_t spec_id, std::int64_t page_id, const Claim& claim);

  // Forgets what a page said of contested specs; returns those specs.
  std::vector<std::int64_t> retract(std::int64_t page_id);

  // Derives a contested spec's description, versions and release_spec rows
  // from its claims by the rule above; when they all agree again, it is no
  // longer contested (and a hash an index lists keeps the index's
  // description: the claims only say which page holds it in each page
  // release). Returns false when nothing lists it any more: it is
  // then deleted. The caller refreshes its stacks over all releases.
  bool settle(std::int64_t spec_id);

 private:
  WriterStatements& sql_;
};

}  // namespace cachedb
