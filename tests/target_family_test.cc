// Target families and ranges (`family`, `--filter target=NAME:`) by Spack's
// microarchitecture tree, on tests/fixtures/targets (one spec per target; the
// expectations are worked out from the table in its README.md and the tree).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "error.h"
#include "ingest/ingester.h"
#include "report/matrix.h"
#include "report/nearest.h"
#include "report/render.h"
#include "report/target_tree.h"
#include "storage/database.h"
#include "test_support.h"

using namespace cachedb;

namespace {

SQLite::Database& targets_db() {
  static testing::TempDir dir;
  static SQLite::Database db = [] {
    auto d = open_database(dir / "targets.sqlite", OpenMode::ReadWrite);
    auto s = ingest(d, {testing::fixture("targets")}, {});
    REQUIRE(s.pages_added == 1);
    return d;
  }();
  return db;
}

// The matrix as CSV with totals, LF line ends.
std::string csv(const std::string& name, const std::vector<std::string>& filters) {
  MatrixOptions mo;
  for (const auto& f : filters) mo.scope.add_filter(f);
  std::string out = render(run_matrix(targets_db(), name, mo), {Format::Csv, true, false});
  std::erase(out, '\r');
  return out;
}

bool has(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

}  // namespace

TEST_CASE("Spack's microarchitecture tree: families and descendants") {
  const auto& tree = TargetTree::spack();
  CHECK(tree.family("neoverse_v1") == "aarch64");
  CHECK(tree.family("a64fx") == "aarch64");
  CHECK(tree.family("zen4") == "x86_64");
  CHECK(tree.family("power9le") == "ppc64le");
  CHECK(tree.family("x86_64") == "x86_64");
  CHECK(tree.family("i686") == "x86");
  // A target the tree does not know is its own family, and its only descendant.
  CHECK_FALSE(tree.known("zen9000"));
  CHECK(tree.family("zen9000") == "zen9000");
  CHECK(tree.descendants_and_self("zen9000") == std::vector<std::string>{"zen9000"});

  const auto arm = tree.descendants_and_self("aarch64");
  for (const char* t : {"aarch64", "neoverse_v1", "neoverse_v2", "a64fx", "m1", "armv8.2a"}) CHECK(has(arm, t));
  for (const char* t : {"x86_64", "zen4", "ppc64le", "arm"}) CHECK_FALSE(has(arm, t));
  // Through any parent: neoverse_v2 comes from neoverse_n1 and from armv8.x.
  CHECK(has(tree.descendants_and_self("neoverse_n1"), "neoverse_v2"));
  CHECK_FALSE(has(tree.descendants_and_self("neoverse_n1"), "a64fx"));
  CHECK(std::is_sorted(arm.begin(), arm.end()));
  CHECK(tree.family_members("ppc64le") == tree.descendants_and_self("ppc64le"));
  // A target that is not a family has no members.
  CHECK(tree.family_members("zen4").empty());
  CHECK(tree.families_json().find("\"neoverse_v2\":\"aarch64\"") != std::string::npos);
}

TEST_CASE("a tree read from archspec's format; a broken one is an error naming its source") {
  const TargetTree tree(R"({"microarchitectures": {
      "base": {"from": []}, "mid": {"from": ["base"]}, "other": {"from": ["base"]},
      "leaf": {"from": ["mid", "other"]}, "loop_a": {"from": ["loop_b"]}, "loop_b": {"from": ["loop_a"]}}})",
                        "test.json");
  CHECK(tree.descendants_and_self("mid") == std::vector<std::string>{"leaf", "mid"});
  CHECK(tree.descendants_and_self("other") == std::vector<std::string>{"leaf", "other"});
  CHECK(tree.family("leaf") == "base");
  CHECK(tree.family_members("base") == std::vector<std::string>{"base", "leaf", "mid", "other"});
  CHECK(tree.descendants_and_self("loop_a").size() == 2);  // a cycle ends, it does not hang
  CHECK_THROWS_WITH_AS(TargetTree("{", "broken.json"), doctest::Contains("broken.json"), Error);
  CHECK_THROWS_WITH_AS(TargetTree(R"({"targets": {}})", "other.json"), doctest::Contains("microarchitectures"), Error);
  CHECK_THROWS_AS(TargetTree(R"({"microarchitectures": {"x": {"from": "y"}}})", "x.json"), Error);
}

TEST_CASE("family is a dimension like any other: rows, columns and --filter") {
  CHECK(csv("families-by-os", {}) ==
        "family,rhel8,ubuntu22.04,total\n"
        "aarch64,1,2,3\n"
        "ppc64le,1,0,1\n"
        "x86_64,0,2,2\n"
        "zen9000,0,1,1\n"
        "total,2,5,7\n");
  CHECK(csv("os-by-family", {"family=aarch64"}) ==
        "os,aarch64,total\n"
        "rhel8,1,1\n"
        "ubuntu22.04,2,2\n"
        "total,3,3\n");
  // Two families are alternatives; an unknown target is its own family.
  CHECK(csv("targets-by-os", {"family=ppc64le", "family=zen9000"}) ==
        "target,rhel8,ubuntu22.04,total\n"
        "power9le,1,0,1\n"
        "zen9000,0,1,1\n"
        "total,1,1,2\n");
  // The canned stacks-by-family (the root pseudo-stack left out).
  CHECK(csv("stacks-by-family", {}) ==
        "stack,aarch64,ppc64le,x86_64,zen9000,total\n"
        "e4s,2,0,2,1,5\n"
        "e4s-neoverse-v2,1,0,0,0,1\n"
        "e4s-power,0,1,0,0,1\n"
        "total,3,1,2,1,7\n");
}

TEST_CASE("--filter target=NAME: is NAME or any of its descendants, as Spack reads target=aarch64:") {
  CHECK(csv("targets-by-os", {"target=aarch64:"}) ==
        "target,rhel8,ubuntu22.04,total\n"
        "a64fx,1,0,1\n"
        "aarch64,0,1,1\n"
        "neoverse_v2,0,1,1\n"
        "total,1,2,3\n");
  // armv8.2a is no target of the fixture, but two of its descendants are.
  CHECK(csv("targets-by-os", {"target=armv8.2a:"}) ==
        "target,rhel8,ubuntu22.04,total\n"
        "a64fx,1,0,1\n"
        "neoverse_v2,0,1,1\n"
        "total,1,1,2\n");
  CHECK(csv("targets-by-os", {"target=x86_64_v4:"}) ==
        "target,ubuntu22.04,total\n"
        "sapphirerapids,1,1\n"
        "x86_64_v4,1,1\n"
        "total,2,2\n");
  // Without the colon, only the target itself.
  CHECK(csv("targets-by-os", {"target=aarch64"}) ==
        "target,ubuntu22.04,total\n"
        "aarch64,1,1\n"
        "total,1,1\n");
  // A range and a plain name are alternatives; a target and a family must both hold.
  CHECK(csv("targets-by-os", {"target=power9le", "target=neoverse_n1:"}) ==
        "target,rhel8,ubuntu22.04,total\n"
        "neoverse_v2,0,1,1\n"
        "power9le,1,0,1\n"
        "total,1,1,2\n");
  CHECK(csv("targets-by-os", {"target=x86_64:", "family=aarch64"}) == "target,total\ntotal,0\n");
  // An unknown target's range is itself.
  CHECK(csv("targets-by-os", {"target=zen9000:"}) ==
        "target,ubuntu22.04,total\n"
        "zen9000,1,1\n"
        "total,1,1\n");
}

TEST_CASE("the scope keeps the values as given; the query reads them as target names") {
  Scope s;
  s.add_filter("target=neoverse_n1:");
  s.add_filter("family=ppc64le");
  CHECK(s.json() == R"({"family":["ppc64le"],"target":["neoverse_n1:"]})");
  CHECK(s.query_json() == R"({"target":[]})");  // no ppc64le target descends from neoverse_n1
  Scope f;
  f.add_filter("family=zen9000");
  CHECK(f.query_json() == R"({"target":["zen9000"]})");
}

TEST_CASE("did you mean: the nearest values by edit distance") {
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("ubuntu22.04", "ubuntu22.04") == 0);
  const std::vector<std::string> oss = {"rhel8", "ubuntu22.04", "ubuntu24.04", "sequoia"};
  CHECK(nearest("ubuntu22.4", oss) == std::vector<std::string>{"ubuntu22.04", "ubuntu24.04"});
  CHECK(nearest("rhel9", oss) == std::vector<std::string>{"rhel8"});
  CHECK(nearest("windows", oss).empty());
  CHECK(nearest("rhel8", oss).empty());  // never the value itself
  CHECK(nearest("a", {"b", "c", "d", "e"}).size() == 3);
  // Too far for a slip, but the start of stored names: the newest dated snapshots first.
  const std::vector<std::string> releases = {"develop-2025-01-05", "develop-2025-03-23", "develop-2025-02-09",
                                             "v0.23", "developer-tools"};
  CHECK(nearest("develop", releases, 2) == std::vector<std::string>{"develop-2025-03-23", "develop-2025-02-09"});
  CHECK(nearest("gcc", {"gcc@11.4.0", "gccx", "clang@17"}) == std::vector<std::string>{"gccx", "gcc@11.4.0"});
  // Versions as Spack orders them, not as bytes: 13 after 9, 1.10 after 1.9.
  CHECK(nearest("gcc", {"gcc@9.4.0", "gcc@13.2.0", "gcc@11.4.0", "gcc@12.3.0"}) ==
        std::vector<std::string>{"gcc@13.2.0", "gcc@12.3.0", "gcc@11.4.0"});
  CHECK(nearest("v1", {"v1.9.10", "v1.10.2", "v1.10.11"}) ==
        std::vector<std::string>{"v1.10.11", "v1.10.2", "v1.9.10"});
}
