#pragma once
// A hash a file describes differently from what another file stored: what the
// writer reports and the findings describe.
#include <string>

namespace cachedb {

struct SpecConflict {
  enum : unsigned { kPackage = 1, kCompiler = 2, kOs = 4, kPlatform = 8, kTarget = 16, kVersions = 32, kVariants = 64 };
  std::string hash;
  unsigned differs = 0;  // which attributes, as the bits above
};

// A hash a cache page described otherwise and a build-cache index now
// describes, with the index's package for it.
struct IndexConflict : SpecConflict {
  std::string package;
};

}  // namespace cachedb
