#pragma once
// Writes Spack build-cache indexes (database JSON, version 8 or 9) for tests,
// from a short description of each record: what Spack writes, dict targets,
// compilers as build dependencies and the rest.
#include <optional>
#include <string>
#include <vector>

namespace testing {

struct IndexEdge {
  std::string hash, name;
  std::vector<std::string> deptypes = {"build", "link"};
  std::vector<std::string> virtuals;
};

struct IndexSpec {
  std::string hash, package, version = "1.0";
  std::string os = "ubuntu24.04", platform = "linux", target = "x86_64_v3";
  bool target_dict = false;  // {"name": target, "features": [...]} as Spack writes named targets
  std::vector<std::pair<std::string, std::string>> parameters{};  // name, JSON value ("true", "[\"a\"]")
  std::optional<bool> in_buildcache = true;  // nullopt: the key is left out
  std::optional<std::string> annotated_compiler{};
  // Initialized, so that designated initializers may leave them out without
  // -Wmissing-field-initializers.
  std::vector<IndexEdge> dependencies{};
};

// A 32-character DAG hash made from `seed` (letters and digits).
std::string dag_hash(const std::string& seed);

// The index JSON of `specs`, in their order.
std::string index_json(const std::vector<IndexSpec>& specs, int version = 8);

// An edge to a compiler node providing c and cxx.
IndexEdge compiler_edge(const std::string& hash, const std::string& name = "gcc");

}  // namespace testing
