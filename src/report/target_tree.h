#pragma once
// Spack's tree of CPU microarchitectures (archspec's microarchitectures.json,
// carried in data/archspec/ and compiled into the binary): which targets
// descend from which, and so each target's family, the ancestor with no
// parent (x86_64, aarch64, ppc64le...). It gives the `family` dimension and
// `--filter target=NAME:`, "NAME or any of its descendants", as Spack reads
// `target=aarch64:`.
//
// A target the tree does not know (a newer one, or a name of another scheme)
// is its own family, and its only descendant is itself.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cachedb {

class TargetTree {
 public:
  // The tree the binary carries.
  static const TargetTree& spack();

  // Reads archspec's JSON ({"microarchitectures": {NAME: {"from": [PARENT...]}}});
  // throws Error naming `source` when it is not that.
  TargetTree(std::string_view json, std::string_view source);

  bool known(std::string_view name) const { return parents_.find(name) != parents_.end(); }
  std::string family(std::string_view name) const;
  // NAME and every target with NAME among its ancestors, sorted by name.
  std::vector<std::string> descendants_and_self(std::string_view name) const;
  // Every target whose family is `family`, sorted by name.
  std::vector<std::string> family_members(std::string_view family) const;
  // {"TARGET": "FAMILY", ...} for every target the tree knows: the :families
  // parameter of the queries that have a family dimension.
  const std::string& families_json() const { return families_json_; }

 private:
  bool descends_from(const std::string& name, std::string_view ancestor) const;
  std::map<std::string, std::vector<std::string>, std::less<>> parents_;
  std::string families_json_;
};

// How `--filter target=VALUE` and `--filter family=VALUE` read as target names:
// 'aarch64:' is aarch64 and its descendants, any other value itself; a family
// is its members (itself when the tree does not know it).
std::vector<std::string> targets_meant_by(const TargetTree& tree, std::string_view dimension, std::string_view value);

}  // namespace cachedb
