#pragma once
// The members of a spec object in spec_details that cachedb reads, shared by
// the reader (page.cc) and the count made before it (spec_details_count.cc),
// which must agree on which members hold the lists that are kept.
#include <string_view>

namespace cachedb::spec_keys {

// The keys a spec object may have that the reader uses; others are ignored.
enum SpecKey : int {
  kHash, kCompiler, kOs, kPlatform, kTarget, kTarball, kSize, kVersions, kVariants, kStacks,
  kKeys  // how many
};
constexpr int kNoKey = -1;

// The SpecKey that `name` (decoded) names, or kNoKey.
inline int key_of(std::string_view name) {
  switch (name.size()) {
    case 2: return name == "os" ? kOs : kNoKey;
    case 4: return name == "hash" ? kHash : name == "size" ? kSize : kNoKey;
    case 6: return name == "target" ? kTarget : name == "stacks" ? kStacks : kNoKey;
    case 7: return name == "tarball" ? kTarball : kNoKey;
    case 8:
      return name == "compiler"   ? kCompiler
             : name == "platform" ? kPlatform
             : name == "versions" ? kVersions
             : name == "variants" ? kVariants
                                  : kNoKey;
    default: return kNoKey;
  }
}

// Whether member `key` is one of a spec's lists of strings.
inline bool is_list(int key) { return key == kVersions || key == kVariants || key == kStacks; }

}  // namespace cachedb::spec_keys
