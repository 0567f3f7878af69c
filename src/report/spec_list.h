#pragma once
// `cachedb list`: specs as `spack buildcache list -lv` shows them, one line
// each: `zl1a6vq zlib@1.3.1%gcc@11.4.0+optimize+pic build_system=makefile
// arch=linux-ubuntu22.04-x86_64_v3`.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "report/spec_filter.h"

namespace cachedb {

struct ListedSpec {
  std::string hash, package, version, compiler, platform, os, target;
  std::vector<std::string> variants;  // as the page wrote each
  std::vector<std::string> releases;  // those in scope that list it, oldest first
};

// Variants as Spack writes them after a spec's name: the boolean ones first,
// run together (+optimize~shared), then each key=value after a space, each
// group by name.
std::string spack_variants(std::vector<std::string> variants);

// name@version%compiler<variants> arch=platform-os-target (no %compiler for
// a spec built without one).
std::string spack_spec(const ListedSpec& s);

// Calls `each` with every spec in the releases given (all when none) that
// the filter matches, each once: by package (bytes), then version (as Spack
// orders them), compiler, arch and hash. Holds one package's specs at a time.
// Returns how many there were.
std::size_t list_specs(SQLite::Database& db, const SpecFilter& filter, const std::vector<std::string>& releases,
                       const std::function<void(const ListedSpec&)>& each);

}  // namespace cachedb
