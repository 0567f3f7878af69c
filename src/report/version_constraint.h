#pragma once
// A version as `cachedb list` is asked for it, in Spack's spec syntax:
// @1.3 (from 1.3 to just before 1.4: 1.3.2, 1.3p1), @=1.3 (exactly), @1.2: /
// @:1.4 / @1.2:1.4 (ranges, the upper bound with everything under it: 1.4.2
// and 1.4p1 are in :1.4), and
// lists of these (@1.2,2.0:). Compared as Spack compares versions
// (version_order.h); a git version (git.abc=1.2) by the version its ref is
// assigned, as Spack does.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cachedb {

struct GitVersion;

class VersionConstraint {
 public:
  // Throws Error saying what is wrong (an empty version in a list, a range
  // with two colons, a '=' before a range).
  static VersionConstraint parse(std::string_view text);

  bool matches(std::string_view version) const;

 private:
  struct Part {
    enum class Kind { exact, prefix, range } kind;
    std::optional<std::string> low, high;  // the range's ends (none: open); exact and prefix: low
  };
  std::vector<Part> parts_;  // any of them

  static bool holds(const Part& p, std::string_view version);
  static bool holds_git(const Part& p, std::string_view version, const GitVersion& git);
};

}  // namespace cachedb
