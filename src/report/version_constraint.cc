#include "report/version_constraint.h"

#include <fmt/format.h>

#include "error.h"
#include "report/version_order.h"

namespace cachedb {
namespace {

// 1.4.2 is "in" 1.4, as Spack's @1.4 and @:1.4 say; 1.40 is not.
bool within(std::string_view version, std::string_view prefix) {
  return version == prefix || (version.size() > prefix.size() && version.starts_with(prefix) && version[prefix.size()] == '.');
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
  for (const auto& p : parts_) {
    switch (p.kind) {
      case Part::Kind::exact:
        if (version == *p.low) return true;
        break;
      case Part::Kind::prefix:
        if (within(version, *p.low)) return true;
        break;
      case Part::Kind::range:
        if ((!p.low || compare_versions(version, *p.low) >= 0) &&
            (!p.high || compare_versions(version, *p.high) <= 0 || within(version, *p.high)))
          return true;
        break;
    }
  }
  return false;
}

}  // namespace cachedb
