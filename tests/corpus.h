#pragma once
// Writes a synthetic tree of cache pages in the real format, big enough for
// the tests that need an ingest to last a while (kill -9, readers, a second
// ingest). Deterministic: the same arguments give the same bytes.
#include <filesystem>
#include <string>

namespace testing {

struct CorpusShape {
  std::string release = "develop";
  int packages = 2000;
  int specs_per_page = 6;
  // Changes every page's bytes (and one spec per page) without changing its
  // identity: a "next night" of the same tree.
  int generation = 0;
};

// Writes <dir>/_cache/<release>/pkg-NNNNN.md; returns the spec rows written.
long write_corpus(const std::filesystem::path& dir, const CorpusShape& shape);

}  // namespace testing
