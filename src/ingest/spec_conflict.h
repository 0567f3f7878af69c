#pragma once
// A hash a file describes differently from what another file stored: what the
// writer reports and the findings describe.
#include <cstdint>
#include <string>
#include <string_view>

namespace cachedb {

struct SpecConflict {
  enum : unsigned { kPackage = 1, kCompiler = 2, kOs = 4, kPlatform = 8, kTarget = 16, kVersions = 32, kVariants = 64 };
  std::string hash;
  unsigned differs = 0;  // which attributes, as the bits above
};

// What describes a spec whatever the release, as stored: the ids of its
// dimensions and variant set, and its versions comma-joined.
struct SpecDescription {
  std::int64_t package = 0, compiler = 0, os = 0, platform = 0, target = 0, variant_set = 0;
  std::string_view versions;
};

// Which attributes two descriptions differ in, as SpecConflict's bits (0: the same).
inline unsigned description_differences(const SpecDescription& a, const SpecDescription& b) {
  return (a.package != b.package ? SpecConflict::kPackage : 0u) |
         (a.compiler != b.compiler ? SpecConflict::kCompiler : 0u) | (a.os != b.os ? SpecConflict::kOs : 0u) |
         (a.platform != b.platform ? SpecConflict::kPlatform : 0u) |
         (a.target != b.target ? SpecConflict::kTarget : 0u) |
         (a.versions != b.versions ? SpecConflict::kVersions : 0u) |
         (a.variant_set != b.variant_set ? SpecConflict::kVariants : 0u);
}

// Of a cache page's disagreement with a build-cache index, what is reported:
// not the compiler when the page names none. Spack 1.0's pages say `none` of
// every spec (compilers became dependencies), where the index names the
// compiler by its build dependency: the page does not say otherwise, it does
// not say. The description stored is the same either way (the index's).
inline unsigned reported_against_index(unsigned differs, bool page_names_no_compiler) {
  return page_names_no_compiler ? differs & ~SpecConflict::kCompiler : differs;
}

// A hash a cache page described otherwise and a build-cache index now
// describes, with the index's package for it.
struct IndexConflict : SpecConflict {
  std::string package;
};

}  // namespace cachedb
