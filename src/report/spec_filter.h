#pragma once
// What `cachedb list` is asked for, written as Spack writes specs:
// `zlib@1.3 %gcc@11 +pic ~shared cuda_arch=80 target=zen4 /zl1a`.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cachedb {

struct SpecFilter {
  std::optional<std::string> package;           // zlib
  // As written after '@' (version_constraint.h): @1.3 is 1.3 or 1.3.x (Spack's
  // @1.3 is a range), @=1.3 exactly, @1.2:1.4 a range, @1.2,2.0: a list.
  std::optional<std::string> version;
  std::optional<std::string> compiler;          // %gcc
  std::optional<std::string> compiler_version;  // %gcc@11: 11, or 11.x; as a version above
  // arch=linux-ubuntu22.04-x86_64_v3, os=, target=, platform=; target=zen2:
  // is zen2 and every target that descends from it (Spack's target range).
  std::optional<std::string> platform, os, target;
  std::optional<std::string> hash_prefix;       // /zl1a
  // +cuda is ("cuda", "true"), ~cuda ("cuda", "false"), cuda_arch=80
  // ("cuda_arch", "80"); a spec must have every one (a list-valued variant,
  // any of its values).
  std::vector<std::pair<std::string, std::string>> variants;
  // cuda_arch:=80,90 (each value in `variants` too): the spec has no other value of it.
  std::vector<std::pair<std::string, std::vector<std::string>>> exact_variants;

  // Each variant as a JSON array of [name, value] pairs, for the query.
  std::string variants_json() const;
  // Each exact set as [name, [values...]].
  std::string exact_variants_json() const;
};

// Parses the words given (joined by spaces: `zlib +pic` or "zlib+pic" alike).
// Throws Error saying what is wrong and where: a second package name,
// dependencies (^), an empty version or a malformed range, an arch= that is
// not PLATFORM-OS-TARGET.
SpecFilter parse_spec_filter(const std::vector<std::string>& words);

}  // namespace cachedb
