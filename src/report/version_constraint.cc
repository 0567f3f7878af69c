#include "report/version_constraint.h"

#include <algorithm>

#include <fmt/format.h>

#include "error.h"
#include "report/version_order.h"

namespace cachedb {

namespace {

// Spack's @1.4, the range 1.4:1.4: from 1.4 to just before 1.5. So 1.4.2,
// 1.4p1 and 1.04.1 are "in" 1.4 (as openssh 9.5p1 is in @9.5 and openssl
// 1.1.1w in @1.1.1); 1.40 and 1.4rc1 (before 1.4) are not.
bool within(std::string_view version, std::string_view bound) {
  return compare_versions(version, bound) >= 0 && below_next_version(version, bound);
}

}  // namespace

VersionConstraint VersionConstraint::parse(std::string_view text) {
  VersionConstraint out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    if (item.empty()) throw Error(fmt::format("an empty version in '{}'", text));
    Part part{Part::Kind::prefix, {}, {}};
    if (item.front() == '=') {
      const auto exact = item.substr(1);
      if (exact.empty() || exact.find(':') != std::string_view::npos)
        throw Error(fmt::format("'={}': '=' asks for one exact version, not a range", exact));
      part = {Part::Kind::exact, std::string(exact), {}};
    } else if (const auto colon = item.find(':'); colon != std::string_view::npos) {
      if (item.find(':', colon + 1) != std::string_view::npos)
        throw Error(fmt::format("'{}': a range has one ':' (LOW:HIGH, LOW: or :HIGH)", item));
      part.kind = Part::Kind::range;
      if (colon > 0) part.low = std::string(item.substr(0, colon));
      if (colon + 1 < item.size()) part.high = std::string(item.substr(colon + 1));
    } else {
      part.low = std::string(item);
    }
    out.parts_.push_back(std::move(part));
    if (comma == text.size()) break;
    start = comma + 1;
  }
  return out;
}

bool VersionConstraint::matches(std::string_view version) const {
  // No version known (a compiler whose node no index holds): Spack's any
  // version, ':', which only '@:' asks for; @:1.0 asks for 1.0 or older.
  if (version.empty())
    return std::any_of(parts_.begin(), parts_.end(),
                       [](const Part& p) { return p.kind == Part::Kind::range && !p.low && !p.high; });
  const auto git = git_version(version);
  for (const auto& p : parts_)
    if (git ? holds_git(p, version, *git) : holds(p, version)) return true;
  return false;
}

bool VersionConstraint::holds(const Part& p, std::string_view version) {
  switch (p.kind) {
    case Part::Kind::exact:
      return version == *p.low;
    case Part::Kind::prefix:
      return within(version, *p.low);
    case Part::Kind::range:
      return (!p.low || compare_versions(version, *p.low) >= 0) &&
             (!p.high || below_next_version(version, *p.high));
  }
  return false;
}

// A git version is asked for as Spack asks for it: by the version its ref is
// assigned (@1.2 and @1.1:1.3 hold git.abc=1.2, @main holds git.v2.0=main),
// never by the ref's own text read as a version; by its ref (@git.abc holds
// git.abc=1.2; @git.abc=1.2 holds it, @git.abc=1.3 does not) or its whole
// text. An exact version (@=1.2) is not a git version (@=git.abc=1.2 and
// @=abc=1.2 are: the same ref and version), and a ref with no version
// assigned is held by '@:' alone.
bool VersionConstraint::holds_git(const Part& p, std::string_view version, const GitVersion& git) {
  if (p.kind != Part::Kind::range && version == *p.low) return true;
  const std::string_view assigned = git.assigned();
  switch (p.kind) {
    case Part::Kind::exact:
      // @=git.abc=1.2 is the git version itself: the same ref and version.
      if (const auto asked = git_version(*p.low)) return asked->ref == git.ref && asked->constraint == git.constraint;
      return false;
    case Part::Kind::prefix:
      if (const auto asked = git_version(*p.low))
        return asked->ref == git.ref && (asked->constraint.empty() || asked->constraint == git.constraint);
      return !assigned.empty() && within(assigned, *p.low);
    case Part::Kind::range:
      return (!p.low && !p.high) || (!assigned.empty() && holds(p, assigned));
  }
  return false;
}

}  // namespace cachedb
