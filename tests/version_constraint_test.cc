// Versions as `cachedb list` is asked for them (report/version_constraint.h):
// Spack's @1.3, @=1.3, ranges and lists.
#include <doctest/doctest.h>

#include <string>

#include "error.h"
#include "report/version_constraint.h"

using cachedb::VersionConstraint;

namespace {

bool in(const char* constraint, const char* version) { return VersionConstraint::parse(constraint).matches(version); }

}  // namespace

TEST_CASE("a version is itself and everything under it; = is itself alone") {
  CHECK(in("1.3", "1.3"));
  CHECK(in("1.3", "1.3.1"));
  CHECK(in("1.3", "1.3.0rc1"));
  CHECK_FALSE(in("1.3", "1.30"));
  CHECK_FALSE(in("1.3", "1.2.9"));
  CHECK(in("=1.3", "1.3"));
  CHECK_FALSE(in("=1.3", "1.3.1"));
  CHECK(in("develop", "develop"));
  CHECK_FALSE(in("main", "develop"));
}

TEST_CASE("a version holds what Spack's range from it to just before the next holds, whatever follows it") {
  // Not only a dot: Spack's @9.5 is 9.5 up to, not including, 9.6.
  CHECK(in("9.5", "9.5p1"));         // openssh
  CHECK(in("1.1.1", "1.1.1w"));      // openssl
  CHECK(in("2023", "2023c"));        // tzdata
  CHECK(in("1.7", "1.07.1"));        // bc: 1.07 is 1.7, as versions compare
  CHECK(in(":1.1.1", "1.1.1w"));
  CHECK(in("1.1.0:1.1.1", "1.1.1w"));
  CHECK_FALSE(in("9.5", "9.6"));
  CHECK_FALSE(in("9.5", "9.50"));
  CHECK_FALSE(in("9.5", "9.5rc1"));  // a pre-release of 9.5 comes before it
  CHECK_FALSE(in(":1.1.1", "1.1.2"));
  // The last run a word: the range ends at the next word.
  CHECK(in("1.2a", "1.2a.3"));
  CHECK_FALSE(in("1.2a", "1.2b"));
}

TEST_CASE("no version known is held by '@:' alone") {
  CHECK(in(":", ""));
  CHECK(in("1.0,:", ""));
  CHECK_FALSE(in(":0", ""));
  CHECK_FALSE(in("0:", ""));
  CHECK_FALSE(in("11", ""));
  CHECK_FALSE(in("=11", ""));
}

TEST_CASE("a range holds its ends, and everything under its upper end") {
  CHECK(in("1.2:1.4", "1.2"));
  CHECK(in("1.2:1.4", "1.3.7"));
  CHECK(in("1.2:1.4", "1.4.2"));  // in 1.4
  CHECK_FALSE(in("1.2:1.4", "1.5"));
  CHECK_FALSE(in("1.2:1.4", "1.1.9"));
  CHECK_FALSE(in("1.2:1.4", "1.2rc1"));  // a pre-release comes before 1.2
  CHECK(in("1.10:", "1.10"));
  CHECK(in("1.10:", "2.0"));
  CHECK(in("1.10:", "develop"));  // newer than any release, as Spack has it
  CHECK_FALSE(in("1.10:", "1.9"));  // as numbers: 9 < 10
  CHECK(in(":1.4", "0.1"));
  CHECK(in(":1.4", "1.4.99"));
  CHECK_FALSE(in(":1.4", "1.5"));
  CHECK(in(":", "anything"));
}

TEST_CASE("a list holds what any of its items holds") {
  CHECK(in("1.2,2.0:", "1.2.5"));
  CHECK(in("1.2,2.0:", "3.1"));
  CHECK_FALSE(in("1.2,2.0:", "1.5"));
  CHECK(in("=1.0,=2.0", "2.0"));
  CHECK_FALSE(in("=1.0,=2.0", "2.0.1"));
}

TEST_CASE("a constraint Spack would not read is refused, saying why") {
  CHECK_THROWS_WITH_AS(VersionConstraint::parse("1:2:3"), doctest::Contains("a range has one ':'"), cachedb::Error);
  CHECK_THROWS_WITH_AS(VersionConstraint::parse("=1:2"), doctest::Contains("one exact version"), cachedb::Error);
  CHECK_THROWS_WITH_AS(VersionConstraint::parse("="), doctest::Contains("one exact version"), cachedb::Error);
  CHECK_THROWS_WITH_AS(VersionConstraint::parse("1,,2"), doctest::Contains("an empty version"), cachedb::Error);
  CHECK_THROWS_WITH_AS(VersionConstraint::parse("1,"), doctest::Contains("an empty version"), cachedb::Error);
}

TEST_CASE("a git version is asked for by the version its ref is assigned, as Spack asks") {
  // git.REF=V and COMMIT=V: the version V, never the ref read as a version.
  const char* sha = "0123456789abcdef0123456789abcdef01234567";
  const std::string pinned = std::string(sha) + "=1.2";
  CHECK(in("1.2", "git.abc123=1.2"));
  CHECK(in("1.2", pinned.c_str()));
  CHECK(in("1.1:1.3", "git.abc123=1.2"));
  CHECK(in("1.1:1.3", pinned.c_str()));  // not a number of 40 digits
  CHECK(in("1.2:", "git.abc123=1.2"));   // not a word older than any number
  CHECK(in("main", "git.v2.0=main"));
  CHECK_FALSE(in(":1.3", "git.v2.0=main"));  // main is newer than any release
  CHECK_FALSE(in("2.0", "git.v2.0=main"));   // the ref's text is not its version
  CHECK_FALSE(in("1.3", "git.abc123=1.2"));
  CHECK_FALSE(in("=1.2", "git.abc123=1.2"));  // Spack: an exact version is never a git version
  CHECK(in("=git.abc123=1.2", "git.abc123=1.2"));  // ... unless it is one: the same ref and version
  CHECK(in("=abc123=1.2", "git.abc123=1.2"));
  CHECK_FALSE(in("=git.abc123=1.3", "git.abc123=1.2"));
  // By its ref, or its whole text.
  CHECK(in("git.abc123", "git.abc123=1.2"));
  CHECK(in("git.abc123=1.2", "git.abc123=1.2"));
  CHECK_FALSE(in("git.abc123=1.3", "git.abc123=1.2"));
  CHECK_FALSE(in("git.abc12", "git.abc123=1.2"));
  CHECK(in(sha, pinned.c_str()));
  // A ref with no version assigned: only '@:' holds it.
  CHECK(in(":", "git.abc123"));
  CHECK(in(":", sha));
  CHECK_FALSE(in("0:", "git.abc123"));
  CHECK_FALSE(in("1.2", sha));
  CHECK(in("git.abc123", "git.abc123"));
  // A plain version is not held by a git constraint.
  CHECK_FALSE(in("git.abc123", "1.2"));
}
