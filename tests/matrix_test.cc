// Every canned matrix, scopes, --count packages, totals and the generic pairs,
// on tests/fixtures/matrix (the expectations are worked out by hand from the
// table in tests/fixtures/matrix/README.md).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "error.h"
#include "ingest/ingester.h"
#include "report/dimension.h"
#include "report/matrix.h"
#include "report/matrix_query.h"
#include "report/matrix_shape.h"
#include "report/render.h"
#include "report/scope.h"
#include "report/target_tree.h"
#include "storage/database.h"
#include "storage/embedded_sql.h"
#include "page_builder.h"
#include "test_support.h"

using namespace cachedb;

// Each case names only the options it changes (designated initializers); the
// rest keep their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace {

// The fixture ingested once into a scratch database shared by these tests.
SQLite::Database& fixture_db() {
  static testing::TempDir dir;
  static SQLite::Database db = [] {
    auto d = open_database(dir / "matrix.sqlite", OpenMode::ReadWrite);
    auto s = ingest(d, {testing::fixture("matrix")}, {});
    REQUIRE(s.pages_added == 6);
    REQUIRE(s.pages_rejected == 0);
    return d;
  }();
  return db;
}

struct Ask {
  std::vector<std::string> releases, filters;
  bool packages = false, include_root = false, generic = false;
};

MatrixOptions options_for(const Ask& ask) {
  MatrixOptions mo;
  mo.include_root = ask.include_root;
  mo.count = ask.packages ? Count::Packages : Count::Specs;
  for (const auto& r : ask.releases) mo.scope.add("release", r);
  for (const auto& f : ask.filters) mo.scope.add_filter(f);
  return mo;
}

// The matrix as CSV with totals, LF line ends to keep the expectations readable.
std::string csv(const std::string& name, const Ask& ask = {}) {
  const auto mo = options_for(ask);
  const auto m = ask.generic ? run_generic_matrix(fixture_db(), name, mo) : run_matrix(fixture_db(), name, mo);
  std::string out = render(m, {Format::Csv, true, false});
  for (auto at = out.find("\r\n"); at != std::string::npos; at = out.find("\r\n", at)) out.erase(at, 1);
  return out;
}

// Every matrix a user can ask for: the canned ones, then every generic pair
// of two different dimensions.
std::vector<std::string> every_matrix_name() {
  std::vector<std::string> names;
  for (const auto& canned : canned_matrices()) names.push_back(canned.name);
  for (const auto& r : dimensions())
    for (const auto& c : dimensions())
      if (&r != &c) names.push_back(std::string(r.plural) + "-by-" + std::string(c.name));
  return names;
}

const char* kStacksByTarget =
    "stack,aarch64,x86_64_v3,zen4,total\n"
    "developer-tools-darwin,1,0,0,1\n"
    "developer-tools-x86_64_v3,0,1,0,1\n"
    "e4s,0,2,0,2\n"
    "e4s-cray-rhel,0,0,1,1\n"
    "ml-linux-aarch64-cpu,2,0,0,2\n"
    "ml-linux-x86_64-cpu,0,1,0,1\n"
    "ml-linux-x86_64-cuda,0,1,0,1\n"
    "tutorial,0,1,0,1\n"
    "total,3,3,1,7\n";

}  // namespace

TEST_CASE("canned matrices on the fixture, over both releases") {
  // s1 (e4s and tutorial) counts once in x86_64_v3's total: 3, not the 6 its cells add to.
  CHECK(csv("stacks-by-target") == kStacksByTarget);
  CHECK(csv("stacks-by-os") ==
        "stack,rhel8,sequoia,ubuntu22.04,ubuntu24.04,total\n"
        "developer-tools-darwin,0,1,0,0,1\n"
        "developer-tools-x86_64_v3,0,0,1,0,1\n"
        "e4s,0,0,2,0,2\n"
        "e4s-cray-rhel,1,0,0,0,1\n"
        "ml-linux-aarch64-cpu,0,0,0,2,2\n"
        "ml-linux-x86_64-cpu,0,0,0,1,1\n"
        "ml-linux-x86_64-cuda,0,0,0,1,1\n"
        "tutorial,0,0,1,0,1\n"
        "total,1,1,2,3,7\n");
  // No stack dimension: s8 (root only) is a spec like the others.
  CHECK(csv("os-by-target") ==
        "os,aarch64,x86_64_v3,zen4,total\n"
        "rhel8,0,0,1,1\n"
        "sequoia,1,0,0,1\n"
        "ubuntu22.04,0,3,0,3\n"
        "ubuntu24.04,2,1,0,3\n"
        "total,3,4,1,8\n");
  CHECK(csv("targets-by-os") ==
        "target,rhel8,sequoia,ubuntu22.04,ubuntu24.04,total\n"
        "aarch64,0,1,0,2,3\n"
        "x86_64_v3,0,0,3,1,4\n"
        "zen4,1,0,0,0,1\n"
        "total,1,1,3,3,8\n");
  // gcc@11.4.0 and gcc@=11.4.0 are one compiler.
  CHECK(csv("compilers-by-os") ==
        "compiler,rhel8,sequoia,ubuntu22.04,ubuntu24.04,total\n"
        "apple-clang@16.0.0,0,1,0,0,1\n"
        "gcc@11.4.0,0,0,3,0,3\n"
        "gcc@12.3.0,1,0,0,0,1\n"
        "gcc@13.2.0,0,0,0,2,2\n"
        "none,0,0,0,1,1\n"
        "total,1,1,3,3,8\n");
  CHECK(csv("compilers-by-target") ==
        "compiler,aarch64,x86_64_v3,zen4,total\n"
        "apple-clang@16.0.0,1,0,0,1\n"
        "gcc@11.4.0,0,3,0,3\n"
        "gcc@12.3.0,0,0,1,1\n"
        "gcc@13.2.0,1,1,0,2\n"
        "none,1,0,0,1\n"
        "total,3,4,1,8\n");
  CHECK(csv("packages-by-os") ==
        "package,rhel8,sequoia,ubuntu22.04,ubuntu24.04,total\n"
        "cmake,0,0,2,1,3\n"
        "py-torch,0,0,0,2,2\n"
        "zlib,1,1,1,0,3\n"
        "total,1,1,3,3,8\n");
  CHECK(csv("packages-by-target") ==
        "package,aarch64,x86_64_v3,zen4,total\n"
        "cmake,1,2,0,3\n"
        "py-torch,1,1,0,2\n"
        "zlib,1,1,1,3\n"
        "total,3,4,1,8\n");
  // s6 is in ml-linux-x86_64-cpu only in v1.0; over both releases it is in both ML stacks.
  CHECK(csv("packages-by-stack") ==
        "package,developer-tools-darwin,developer-tools-x86_64_v3,e4s,e4s-cray-rhel,ml-linux-aarch64-cpu,"
        "ml-linux-x86_64-cpu,ml-linux-x86_64-cuda,tutorial,total\n"
        "cmake,0,1,1,0,1,0,0,0,2\n"
        "py-torch,0,0,0,0,1,1,1,0,2\n"
        "zlib,1,0,1,1,0,0,0,1,3\n"
        "total,1,1,2,1,2,1,1,1,7\n");
  CHECK(csv("releases-by-stack") ==
        "release,developer-tools-darwin,developer-tools-x86_64_v3,e4s,e4s-cray-rhel,ml-linux-aarch64-cpu,"
        "ml-linux-x86_64-cpu,ml-linux-x86_64-cuda,tutorial,total\n"
        "develop,1,1,2,1,1,0,1,1,6\n"
        "v1.0,1,1,2,0,1,1,1,0,5\n"
        "total,1,1,2,1,2,1,1,1,7\n");
}

TEST_CASE("--include-root adds the root row: every spec, each once") {
  const auto m = csv("stacks-by-target", {.include_root = true});
  CHECK(m.find("root,3,4,1,8\n") != std::string::npos);
  CHECK(m.find("total,3,4,1,8\n") != std::string::npos);
  CHECK(csv("releases-by-stack", {.include_root = true}).find("develop,1,1,2,1,1,0,1,7,1,7\n") != std::string::npos);
}

TEST_CASE("--release picks releases; several are alternatives") {
  CHECK(csv("stacks-by-target", {.releases = {"develop"}}) ==
        "stack,aarch64,x86_64_v3,zen4,total\n"
        "developer-tools-darwin,1,0,0,1\n"
        "developer-tools-x86_64_v3,0,1,0,1\n"
        "e4s,0,2,0,2\n"
        "e4s-cray-rhel,0,0,1,1\n"
        "ml-linux-aarch64-cpu,1,0,0,1\n"
        "ml-linux-x86_64-cuda,0,1,0,1\n"
        "tutorial,0,1,0,1\n"
        "total,2,3,1,6\n");
  CHECK(csv("stacks-by-target", {.releases = {"v1.0"}}) ==
        "stack,aarch64,x86_64_v3,total\n"
        "developer-tools-darwin,1,0,1\n"
        "developer-tools-x86_64_v3,0,1,1\n"
        "e4s,0,2,2\n"
        "ml-linux-aarch64-cpu,1,0,1\n"
        "ml-linux-x86_64-cpu,0,1,1\n"
        "ml-linux-x86_64-cuda,0,1,1\n"
        "total,2,3,5\n");
  CHECK(csv("stacks-by-target", {.releases = {"develop", "v1.0"}}) == kStacksByTarget);
  // --filter release=... is the same thing.
  CHECK(csv("stacks-by-target", {.filters = {"release=v1.0"}}) == csv("stacks-by-target", {.releases = {"v1.0"}}));
}

TEST_CASE("--filter: same dimension is OR, different dimensions AND, list-valued when any value matches") {
  CHECK(csv("stacks-by-target", {.filters = {"os=ubuntu24.04"}}) ==
        "stack,aarch64,x86_64_v3,total\n"
        "ml-linux-aarch64-cpu,2,0,2\n"
        "ml-linux-x86_64-cpu,0,1,1\n"
        "ml-linux-x86_64-cuda,0,1,1\n"
        "total,2,1,3\n");
  CHECK(csv("stacks-by-target", {.filters = {"os=ubuntu24.04", "os=rhel8"}}) ==
        "stack,aarch64,x86_64_v3,zen4,total\n"
        "e4s-cray-rhel,0,0,1,1\n"
        "ml-linux-aarch64-cpu,2,0,0,2\n"
        "ml-linux-x86_64-cpu,0,1,0,1\n"
        "ml-linux-x86_64-cuda,0,1,0,1\n"
        "total,2,1,1,4\n");
  CHECK(csv("stacks-by-target", {.filters = {"oss=ubuntu24.04", "targets=aarch64"}}) ==
        "stack,aarch64,total\n"
        "ml-linux-aarch64-cpu,2,2\n"
        "total,2,2\n");
  // A stack filter keeps the specs listed in e4s (s1, s4), with all their stacks.
  CHECK(csv("os-by-target", {.filters = {"stack=e4s"}}) ==
        "os,x86_64_v3,total\n"
        "ubuntu22.04,2,2\n"
        "total,2,2\n");
  // s7 has versions 2.4.0 and 2.4.1: either matches.
  CHECK(csv("packages-by-os", {.filters = {"version=2.4.1"}}) ==
        "package,ubuntu24.04,total\n"
        "py-torch,1,1\n"
        "total,1,1\n");
  CHECK(csv("compilers-by-target", {.filters = {"compiler=none", "platform=linux", "package=py-torch"}}) ==
        "compiler,aarch64,total\n"
        "none,1,1\n"
        "total,1,1\n");
  // Scope and release together: in develop, tutorial lists only s1.
  CHECK(csv("stacks-by-target", {.releases = {"develop"}, .filters = {"stack=tutorial"}}) ==
        "stack,x86_64_v3,total\n"
        "e4s,1,1\n"
        "tutorial,1,1\n"
        "total,1,1\n");
}

TEST_CASE("values that look like SQL are plain values: they match nothing") {
  for (const std::string evil : {"ubuntu24.04' OR '1'='1", "x\" ] } , \"os\": [\"rhel8", "'; DROP TABLE spec; --",
                                 "%", "*", "ubuntu24.04\\"}) {
    INFO(evil);
    CHECK(csv("stacks-by-target", {.filters = {"os=" + evil}}) == "stack,total\ntotal,0\n");
    CHECK(csv("stacks-by-target", {.releases = {evil}}) == "stack,total\ntotal,0\n");
    CHECK(csv("version-by-stack", {.filters = {"version=" + evil}}) == "version,total\ntotal,0\n");
  }
  CHECK(fixture_db().execAndGet("SELECT count(*) FROM spec").getInt() == 8);
}

TEST_CASE("--count packages counts distinct packages") {
  // ubuntu22.04/x86_64_v3 holds three specs (s1, s4, s8) of two packages.
  CHECK(csv("os-by-target", {.packages = true}) ==
        "os,aarch64,x86_64_v3,zen4,total\n"
        "rhel8,0,0,1,1\n"
        "sequoia,1,0,0,1\n"
        "ubuntu22.04,0,2,0,2\n"
        "ubuntu24.04,2,1,0,2\n"
        "total,3,3,1,3\n");
  CHECK(csv("stacks-by-target", {.packages = true}) ==
        "stack,aarch64,x86_64_v3,zen4,total\n"
        "developer-tools-darwin,1,0,0,1\n"
        "developer-tools-x86_64_v3,0,1,0,1\n"
        "e4s,0,2,0,2\n"
        "e4s-cray-rhel,0,0,1,1\n"
        "ml-linux-aarch64-cpu,2,0,0,2\n"
        "ml-linux-x86_64-cpu,0,1,0,1\n"
        "ml-linux-x86_64-cuda,0,1,0,1\n"
        "tutorial,0,1,0,1\n"
        "total,3,3,1,3\n");
}

TEST_CASE("generic pairs, with list-valued and release dimensions") {
  CHECK(csv("stack-by-platform") ==
        "stack,darwin,linux,total\n"
        "developer-tools-darwin,1,0,1\n"
        "developer-tools-x86_64_v3,0,1,1\n"
        "e4s,0,2,2\n"
        "e4s-cray-rhel,0,1,1\n"
        "ml-linux-aarch64-cpu,0,2,2\n"
        "ml-linux-x86_64-cpu,0,1,1\n"
        "ml-linux-x86_64-cuda,0,1,1\n"
        "tutorial,0,1,1\n"
        "total,1,6,7\n");
  // s7 counts under 2.4.0 and 2.4.1, once in py-torch's total.
  CHECK(csv("versions-by-package") ==
        "version,cmake,py-torch,zlib,total\n"
        "1.3,0,0,1,1\n"
        "1.3.1,0,0,2,2\n"
        "2.4.0,0,1,0,1\n"
        "2.4.1,0,1,0,1\n"
        "2.5.1,0,1,0,1\n"
        "3.30.5,2,0,0,2\n"
        "3.31.0,1,0,0,1\n"
        "total,3,2,3,8\n");
  CHECK(csv("release-by-oss") ==
        "release,rhel8,sequoia,ubuntu22.04,ubuntu24.04,total\n"
        "develop,1,1,3,2,7\n"
        "v1.0,0,1,2,2,5\n"
        "total,1,1,3,3,8\n");
  CHECK(csv("platforms-by-compiler") ==
        "platform,apple-clang@16.0.0,gcc@11.4.0,gcc@12.3.0,gcc@13.2.0,none,total\n"
        "darwin,1,0,0,0,0,1\n"
        "linux,0,3,1,2,1,7\n"
        "total,1,3,1,2,1,8\n");
}

TEST_CASE("generic pairs: a spec with no value for the column is in its row's total, a row of zeros") {
  testing::TempDir dir;
  testing::CachePage zlib("develop", "zlib"), nover("develop", "nover");
  zlib.spec(testing::SpecEntry::typical("z1").versions({"1.2"}));
  zlib.spec(testing::SpecEntry::typical("z2").versions({"1.3"}));
  nover.spec(testing::SpecEntry::typical("n1").versions({}));
  zlib.write(dir / "tree");
  nover.write(dir / "tree");
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  REQUIRE(ingest(db, {dir / "tree"}, {}).pages_added == 2);
  Matrix m = run_generic_matrix(db, "packages-by-version", {});
  CHECK(m.rows == std::vector<std::string>{"nover", "zlib"});
  CHECK(m.row_totals == std::vector<std::int64_t>{1, 2});
  CHECK(m.cells == std::vector<std::vector<std::int64_t>>{{0, 0}, {1, 1}});
  CHECK(m.col_totals == std::vector<std::int64_t>{1, 1});
  CHECK(m.grand_total == 3);
  Matrix shown = m;
  shape_matrix(shown, {});  // left out, and said
  CHECK(shown.rows == std::vector<std::string>{"zlib"});
  CHECK(shown.omitted.empty_rows == 1);
  shape_matrix(m, {.show_empty = true});
  CHECK(m.rows == std::vector<std::string>{"nover", "zlib"});
}

TEST_CASE("every canned matrix agrees with the generic query, in every scope") {
  const std::vector<Ask> asks = {
      {},
      {.include_root = true},
      {.releases = {"develop"}},
      {.releases = {"v1.0"}, .include_root = true},
      {.filters = {"os=ubuntu24.04", "os=sequoia"}},
      {.filters = {"stack=e4s", "stack=ml-linux-x86_64-cpu"}},
      {.releases = {"v1.0"}, .filters = {"target=x86_64_v3", "version=2.5.1"}},
      {.filters = {"os=nothing-like-this"}},
  };
  REQUIRE(canned_matrices().size() >= 10);
  for (const auto& canned : canned_matrices()) {
    for (std::size_t i = 0; i < asks.size(); ++i) {
      INFO(canned.name << ", scope #" << i);
      auto generic = asks[i];
      generic.generic = true;
      CHECK(csv(canned.name, asks[i]) == csv(canned.name, generic));
    }
  }
}

// The scope block splits the facts three ways (queries/scope.sql): scoped_specs
// reads spec when no release and no stack is named, scoped_release one release's
// rows, scoped_releases the fact rows to collapse per spec. Each fast path must
// give what the fact rows give: the same scope is forced onto scoped_releases
// by naming every release (the fixture has two), or by adding a release that
// matches nothing (two names, one of them empty), or by filtering on root,
// which holds every spec of the fixture.
TEST_CASE("the fast paths agree with the fact-table path, canned and generic, in every scope" * doctest::test_suite("stress")) {
  struct Pair {
    Ask fast, facts;
  };
  const std::vector<std::string> every_release = {"develop", "v1.0"};
  const std::vector<Pair> pairs = {
      {{}, {.releases = every_release}},
      {{}, {.filters = {"stack=root"}}},
      {{.include_root = true}, {.releases = every_release, .include_root = true}},
      {{.filters = {"os=ubuntu24.04", "os=sequoia"}}, {.releases = every_release, .filters = {"os=ubuntu24.04", "os=sequoia"}}},
      {{.filters = {"target=x86_64_v3", "compiler=gcc@11.4.0", "platform=linux"}},
       {.filters = {"target=x86_64_v3", "compiler=gcc@11.4.0", "platform=linux", "stack=root"}}},
      {{.filters = {"version=2.4.1", "version=3.30.5", "package=cmake", "package=py-torch"}},
       {.releases = every_release, .filters = {"version=2.4.1", "version=3.30.5", "package=cmake", "package=py-torch"}}},
      {{.filters = {"os=nothing-like-this"}}, {.releases = every_release, .filters = {"os=nothing-like-this"}}},
      {{.releases = {"develop"}}, {.releases = {"develop", "no-such-release"}}},
      {{.releases = {"v1.0"}, .include_root = true}, {.releases = {"v1.0", "no-such-release"}, .include_root = true}},
      {{.releases = {"develop"}, .filters = {"stack=tutorial", "os=ubuntu22.04"}},
       {.releases = {"develop", "no-such-release"}, .filters = {"stack=tutorial", "os=ubuntu22.04"}}},
  };
  const std::vector<std::string> names = every_matrix_name();
  for (const auto& name : names)
    for (std::size_t i = 0; i < pairs.size(); ++i)
      for (const bool packages : {false, true}) {
        INFO(name << ", pair #" << i << (packages ? ", --count packages" : ""));
        auto fast = pairs[i].fast, facts = pairs[i].facts;
        fast.packages = facts.packages = packages;
        const auto want = csv(name, facts);
        CHECK(csv(name, fast) == want);
        fast.generic = true;
        CHECK(csv(name, fast) == want);
      }
  // Not vacuous: the fast scopes count something.
  CHECK(csv("stacks-by-target") == kStacksByTarget);
}

namespace {

// A reference that shares nothing with the report code: every (release, spec)
// of the fixture read from the analyst views into memory, the scope and the
// matrix worked out here by the rules the README gives. The canned and generic
// queries both start from queries/scope.sql, so comparing them with each
// other cannot catch a mistake in the scope block; this can.
struct Fact {
  std::string hash, package;
  std::map<std::string, std::set<std::string>> values;  // by dimension; stack and version have several
};

std::vector<Fact> reference_facts() {
  auto& db = fixture_db();
  std::map<std::pair<std::string, std::string>, Fact> facts;  // by (release, hash)
  SQLite::Statement specs(db, "SELECT release, package, hash, compiler, os, platform, target FROM specs");
  while (specs.executeStep()) {
    auto& f = facts[{specs.getColumn(0).getString(), specs.getColumn(2).getString()}];
    f.hash = specs.getColumn(2).getString();
    f.package = specs.getColumn(1).getString();
    const char* dims[] = {"release", "package", "hash", "compiler", "os", "platform", "target"};
    for (int i : {0, 1, 3, 4, 5, 6}) f.values[dims[i]].insert(specs.getColumn(i).getString());
    f.values["family"].insert(TargetTree::spack().family(specs.getColumn(6).getString()));
  }
  SQLite::Statement stacks(db, "SELECT release, hash, stack FROM spec_stacks");
  while (stacks.executeStep())
    facts.at({stacks.getColumn(0).getString(), stacks.getColumn(1).getString()})
        .values["stack"]
        .insert(stacks.getColumn(2).getString());
  std::map<std::string, std::set<std::string>> versions;
  SQLite::Statement v(db, "SELECT s.hash, v.version FROM spec_version v JOIN spec s ON s.id = v.spec_id");
  while (v.executeStep()) versions[v.getColumn(0).getString()].insert(v.getColumn(1).getString());
  std::vector<Fact> out;
  for (auto& [key, f] : facts) {
    f.values["version"] = versions.at(f.hash);
    out.push_back(std::move(f));
  }
  return out;
}

// The matrix `name` for `ask`, as csv() prints it.
std::string reference_csv(const std::string& name, const Ask& ask) {
  static const std::vector<Fact> facts = reference_facts();
  const auto [rd, cd] = parse_matrix_name(name);
  const std::string rdim(rd->name), cdim(cd->name);
  std::map<std::string, std::set<std::string>> scope;
  for (const auto& r : ask.releases) scope["release"].insert(r);
  for (const auto& f : ask.filters) scope[f.substr(0, f.find('='))].insert(f.substr(f.find('=') + 1));
  auto shown = [&](const std::string& dim, const std::set<std::string>& values) {
    std::set<std::string> out;
    for (const auto& v : values)
      if (ask.include_root || dim != "stack" || v != "root") out.insert(v);
    return out;
  };
  std::map<std::pair<std::string, std::string>, std::set<std::string>> cells;
  std::map<std::string, std::set<std::string>> row_items, col_items;
  std::set<std::string> all;
  for (const auto& f : facts) {
    bool in = true;
    for (const auto& entry : scope) {  // (not a structured binding: clang 14 cannot capture one)
      const auto& have = f.values.at(entry.first);
      const auto& wanted = entry.second;
      in = in && std::any_of(have.begin(), have.end(), [&](const auto& v) { return wanted.count(v) > 0; });
    }
    if (!in) continue;
    const std::string& item = ask.packages ? f.package : f.hash;
    for (const auto& r : shown(rdim, f.values.at(rdim)))
      for (const auto& c : shown(cdim, f.values.at(cdim))) {
        cells[{r, c}].insert(item);
        row_items[r].insert(item);
        col_items[c].insert(item);
        all.insert(item);
      }
  }
  std::string out = rdim;
  for (const auto& [c, items] : col_items) out.append(",").append(c);
  out += ",total\n";
  for (const auto& [r, items] : row_items) {
    out += r;
    for (const auto& [c, unused] : col_items) {
      const auto it = cells.find({r, c});
      out.append(",").append(std::to_string(it == cells.end() ? 0 : it->second.size()));
    }
    out.append(",").append(std::to_string(items.size())).append("\n");
  }
  out += "total";
  for (const auto& [c, items] : col_items) out.append(",").append(std::to_string(items.size()));
  out.append(",").append(std::to_string(all.size())).append("\n");
  return out;
}

}  // namespace

// Above all the single-release scopes with a filter, which read their release
// through index seeks rather than a scan.
TEST_CASE("every matrix, canned and generic, filtered or not, equals a reference worked out in memory" * doctest::test_suite("stress")) {
  const std::vector<Ask> asks = {
      {},
      {.include_root = true},
      {.releases = {"develop"}},
      {.releases = {"v1.0"}},
      {.releases = {"develop"}, .filters = {"os=ubuntu22.04"}},
      {.releases = {"develop"}, .filters = {"os=ubuntu24.04", "os=rhel8"}},
      {.releases = {"develop"}, .filters = {"target=x86_64_v3"}},
      {.releases = {"develop"}, .filters = {"stack=e4s"}, .include_root = true},
      {.releases = {"develop"}, .filters = {"stack=tutorial", "stack=ml-linux-aarch64-cpu", "os=ubuntu24.04"}},
      {.releases = {"v1.0"}, .filters = {"target=x86_64_v3", "os=ubuntu24.04", "stack=ml-linux-x86_64-cpu"}},
      {.releases = {"develop"}, .filters = {"compiler=gcc@11.4.0", "platform=linux", "package=cmake"}},
      {.releases = {"develop"}, .filters = {"version=2.4.1", "target=aarch64"}},
      {.releases = {"develop"}, .filters = {"os=nothing-like-this"}},
      {.filters = {"release=v1.0", "os=ubuntu22.04"}},
      {.filters = {"os=ubuntu22.04"}},
      {.releases = {"develop", "v1.0"}, .filters = {"os=ubuntu24.04", "target=x86_64_v3"}},
      {.filters = {"stack=e4s", "stack=ml-linux-x86_64-cpu"}},
  };
  const std::vector<std::string> names = every_matrix_name();
  for (const auto& name : names)
    for (std::size_t i = 0; i < asks.size(); ++i)
      for (const bool packages : {false, true}) {
        INFO(name << ", scope #" << i << (packages ? ", --count packages" : ""));
        auto ask = asks[i];
        ask.packages = packages;
        const auto want = reference_csv(name, ask);
        CHECK(csv(name, ask) == want);
        ask.generic = true;
        CHECK(csv(name, ask) == want);
      }
  // Not vacuous: the filtered scopes count something.
  CHECK(reference_csv("stacks-by-target", {.releases = {"develop"}, .filters = {"os=ubuntu22.04"}}) ==
        "stack,x86_64_v3,total\n"
        "developer-tools-x86_64_v3,1,1\n"
        "e4s,2,2\n"
        "tutorial,1,1\n"
        "total,2,2\n");
}

// Which index each canned report reads decides its speed on a large database
// (bench/README.md); the plan depends on the schema, not on the data, so the
// fixture shows it.
TEST_CASE("canned reports read the indexes meant for them") {
  auto plan = [](const std::string& name, const Ask& ask) {
    const auto* canned = find_canned(*parse_matrix_name(name).first, *parse_matrix_name(name).second);
    REQUIRE(canned != nullptr);
    SQLite::Statement st(fixture_db(), "EXPLAIN QUERY PLAN " + std::string(canned->sql));
    st.bind(":scope", options_for(ask).scope.json());
    if (st.getIndex(":include_root") > 0) st.bind(":include_root", 0);
    std::string out;
    while (st.executeStep()) out += st.getColumn(3).getString() + "\n";
    return out;
  };
  // Over every release: spec's covering indexes, in the order that spares a sort.
  CHECK(plan("packages-by-stack", {}).find("SCAN s USING COVERING INDEX spec_by_package") != std::string::npos);
  for (const char* name : {"stacks-by-target", "stacks-by-os", "os-by-target", "targets-by-os", "compilers-by-os",
                           "compilers-by-target"}) {
    INFO(name);
    const auto p = plan(name, {});
    CHECK(p.find("SCAN s USING COVERING INDEX spec_by_dims") != std::string::npos);
    CHECK(p.find("spec_by_package") == std::string::npos);
  }
  // One release, filtered: seeks on (release, set, target, os), no scan of the release.
  for (const auto& canned : canned_matrices()) {
    INFO(canned.name);
    CHECK(plan(canned.name, {.releases = {"develop"}, .filters = {"os=ubuntu22.04"}})
              .find("release_spec_by_release (release_id=? AND stack_set_id=? AND target_id=? AND os_id=?)") !=
          std::string::npos);
  }
}

TEST_CASE("the scope's three views: one has rows for a scope, the one its shape picks") {
  struct Case {
    Ask ask;
    const char* rows_in;  // the view that has rows
  };
  const std::vector<Case> cases = {
      {{}, "scoped_specs"},
      {{.filters = {"os=ubuntu24.04", "version=2.4.1"}}, "scoped_specs"},
      {{.releases = {"develop"}}, "scoped_release"},
      {{.releases = {"v1.0"}, .filters = {"stack=e4s"}}, "scoped_release"},
      {{.filters = {"release=develop"}}, "scoped_release"},
      {{.releases = {"develop", "v1.0"}}, "scoped_releases"},
      {{.filters = {"stack=e4s"}}, "scoped_releases"},
  };
  const std::string sql = fmt::format(
      "WITH\n{},\ncounts AS (SELECT (SELECT count(*) FROM scoped_specs) AS a, (SELECT count(*) FROM scoped_release) AS b,"
      " (SELECT count(*) FROM scoped_releases) AS c, (SELECT count(DISTINCT spec_id) FROM scoped) AS n)\n"
      "SELECT a, b, c, n FROM counts",
      scope_block());
  for (const auto& c : cases) {
    INFO(c.rows_in << " " << options_for(c.ask).scope.json());
    SQLite::Statement st(fixture_db(), sql);
    st.bind(":scope", options_for(c.ask).scope.json());
    REQUIRE(st.executeStep());
    const std::int64_t a = st.getColumn(0).getInt64(), b = st.getColumn(1).getInt64(), rest = st.getColumn(2).getInt64(),
                       specs = st.getColumn(3).getInt64();
    const std::string view = c.rows_in;
    REQUIRE(specs > 0);
    // The one-per-spec views hold each spec in scope once.
    CHECK(a == (view == "scoped_specs" ? specs : 0));
    CHECK(b == (view == "scoped_release" ? specs : 0));
    CHECK((rest > 0) == (view == "scoped_releases"));
  }
}

TEST_CASE("canned queries: a description each, and the scope block of queries/scope.sql verbatim") {
  std::vector<std::string> names;
  for (const auto& m : canned_matrices()) {
    INFO(m.name);
    names.push_back(m.name);
    CHECK(!m.description.empty());
    CHECK(m.sql.find(scope_block()) != std::string_view::npos);
  }
  for (const char* required : {"stacks-by-target", "stacks-by-os", "os-by-target", "targets-by-os", "compilers-by-os",
                               "compilers-by-target", "packages-by-stack", "packages-by-os", "packages-by-target",
                               "releases-by-stack"}) {
    INFO(required);
    CHECK(std::find(names.begin(), names.end(), required) != names.end());
  }
}

TEST_CASE("matrix names: singular or plural, every pair of two different dimensions") {
  CHECK(matrix_name(*parse_matrix_name("stack-by-targets").first, *parse_matrix_name("stack-by-targets").second) ==
        "stacks-by-target");
  CHECK(parse_matrix_name("oss-by-target").first->name == "os");
  CHECK(parse_matrix_name("os-by-targets").second->name == "target");
  CHECK_THROWS_AS(parse_matrix_name("stacks-by-stack"), Error);
  CHECK_THROWS_AS(parse_matrix_name("stacks-by-colour"), Error);
  CHECK_THROWS_AS(parse_matrix_name("stacks"), Error);
  // Every ordered pair runs and agrees with itself spelled the other way round.
  for (const auto& r : dimensions())
    for (const auto& c : dimensions()) {
      if (&r == &c) continue;
      const auto name = std::string(r.plural) + "-by-" + std::string(c.name);
      INFO(name);
      const auto m = run_matrix(fixture_db(), name, {});
      const auto t = run_matrix(fixture_db(), std::string(c.name) + "-by-" + std::string(r.plural), {});
      CHECK(m.rows == t.cols);
      CHECK(m.cols == t.rows);
      CHECK(m.grand_total == t.grand_total);
      CHECK(m.name == matrix_name(r, c));
    }
}

// The tables of names keep every name ever stored; a value is there only
// while a release row holds it. An OS no page gives any more then matches
// nothing, as in a database made from the pages as they are now.
TEST_CASE("a --filter value that only an earlier version of a page gave matches nothing, and is suggested no more") {
  testing::TempDir dir;
  std::filesystem::copy(testing::fixture("versions"), dir / "tree", std::filesystem::copy_options::recursive);
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  REQUIRE(ingest(db, {dir / "tree"}, {}).rejections.empty());
  Scope rhel9;
  rhel9.add("os", "rhel9");
  CHECK(warn_unmatched(db, rhel9) == 0);

  // The two pages that gave rhel9 now say centos9.
  for (const char* release : {"v0.9", "v0.10"}) {
    const auto page = dir / "tree" / "_cache" / release / "hdf5" / "specs.md";
    std::string text = testing::read_text(page);
    for (std::size_t at; (at = text.find("\"rhel9\"")) != std::string::npos;) text.replace(at, 7, "\"centos9\"");
    testing::write_text(page, text);
  }
  REQUIRE(ingest(db, {dir / "tree"}, {}).rejections.empty());
  CHECK(warn_unmatched(db, rhel9) == 1);
  std::vector<std::string> names;
  SQLite::Statement st(db, std::string(dimension("os").names));
  while (st.executeStep()) names.push_back(st.getColumn(0).getString());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"centos9", "rhel10", "rhel8", "ubuntu22.04"});
}
