// `cachedb values DIM`: the values of a dimension in scope with their spec
// counts, and the "did you mean" of a --filter value that matches nothing.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ingest/ingester.h"
#include "report/dimension.h"
#include "report/matrix.h"
#include "report/matrix_query.h"
#include "report/query_result.h"
#include "report/target_tree.h"
#include "storage/database.h"
#include "test_support.h"

using namespace cachedb;
using testing::contains;
using testing::run_cachedb;
using testing::shell_quote;

namespace {

SQLite::Database& matrix_db() {
  static testing::TempDir dir;
  static SQLite::Database db = [] {
    auto d = open_database(dir / "values.sqlite", OpenMode::ReadWrite);
    REQUIRE(ingest(d, {testing::fixture("matrix")}, {}).pages_added == 6);
    return d;
  }();
  return db;
}

// The rows of a query, collected.
class Collect final : public RowSink {
 public:
  std::map<std::string, std::int64_t> counts;
  void begin(const std::vector<QueryColumn>&) override {}
  void row(const std::vector<QueryValue>& v) override { counts[std::string(v[0].text)] = v[1].integer; }
  void end() override {}
};

std::map<std::string, std::int64_t> values_of(const Dimension& d, const Scope& scope) {
  const std::string sql = values_sql(d);
  std::vector<QueryParam> params = {{"scope", scope.query_json(), true}};
  if (sql.find(":include_root") != std::string::npos) params.push_back({"include_root", "0"});
  if (sql.find(":families") != std::string::npos) params.push_back({"families", TargetTree::spack().families_json(), true});
  Collect rows;
  run_query(matrix_db(), sql, params, rows);
  return rows.counts;
}

}  // namespace

TEST_CASE("values: each value's count is its row total in any matrix, in every scope") {
  const std::vector<std::vector<std::string>> scopes = {
      {}, {"release=develop"}, {"release=develop", "release=v1.0"}, {"stack=e4s"}, {"os=ubuntu24.04"},
      {"family=x86_64"}, {"target=x86_64_v3:"}, {"version=2.4.1", "release=develop"}};
  for (const auto& filters : scopes) {
    MatrixOptions mo;
    for (const auto& f : filters) mo.scope.add_filter(f);
    for (const auto& d : dimensions()) {
      // Every spec has a release (and an os): a matrix against it holds every spec in scope.
      const std::string other = d.name == "release" ? "os" : "release";
      INFO(d.name << " in " << mo.scope.json());
      const auto m = run_generic_matrix(matrix_db(), std::string(d.plural) + "-by-" + other, mo);
      std::map<std::string, std::int64_t> want;
      for (std::size_t i = 0; i < m.rows.size(); ++i) want[m.rows[i]] = m.row_totals[i];
      CHECK(values_of(d, mo.scope) == want);
    }
  }
  // By hand, from tests/fixtures/matrix/README.md: s7 has two versions.
  CHECK(values_of(dimension("version"), {}) ==
        std::map<std::string, std::int64_t>{{"1.3", 1}, {"1.3.1", 2}, {"2.4.0", 1}, {"2.4.1", 1}, {"2.5.1", 1},
                                            {"3.30.5", 2}, {"3.31.0", 1}});
  CHECK(values_of(dimension("family"), {}) == std::map<std::string, std::int64_t>{{"aarch64", 3}, {"x86_64", 5}});
}

TEST_CASE("the table of dimensions: in the README's order, each one's values found where a filter looks") {
  // The order report --list and the errors name them in, from dimensions.toml's `listed`.
  std::vector<std::string> names;
  for (const auto& d : dimensions()) names.emplace_back(d.name);
  CHECK(names == std::vector<std::string>{"stack", "target", "family", "os", "platform", "compiler", "release",
                                          "package", "version"});
  for (const auto& d : dimensions()) {
    INFO(d.name);
    CHECK(find_dimension(d.plural) == &d);
    CHECK(find_dimension(d.title) == &d);
    // Every value the dimension has somewhere is one the warning's candidates list, once, and `exists` finds.
    std::vector<std::string> listed;
    SQLite::Statement all(matrix_db(), std::string(d.names));
    while (all.executeStep()) listed.push_back(all.getColumn(0).getString());
    CHECK(std::set<std::string>(listed.begin(), listed.end()).size() == listed.size());
    std::set<std::string> named;  // a family is named through its targets
    for (const auto& v : listed) named.insert(d.name == "family" ? TargetTree::spack().family(v) : v);
    for (const auto& [value, count] : values_of(d, {})) CHECK(named.count(value) == 1);
    SQLite::Statement exists(matrix_db(), std::string(d.exists));
    for (const auto& v : listed) {
      exists.reset();
      exists.bind(1, v);
      CHECK(exists.executeStep());
    }
    exists.reset();
    exists.bind(1, "no-such-value");
    CHECK_FALSE(exists.executeStep());
  }
}

TEST_CASE("cachedb values: formats, scope, warnings with the nearest values, bad command lines" *
          doctest::test_suite("process")) {
  testing::TempDir dir;
  const std::string db = "--db " + shell_quote((dir / "db.sqlite").string());
  REQUIRE(run_cachedb(db + " ingest " + shell_quote(testing::fixture("matrix").string())).exit_code == 0);

  const auto table = run_cachedb(db + " values os");
  CHECK(table.exit_code == 0);
  CHECK(table.out ==
        "os           specs\n"
        "rhel8            1\n"
        "sequoia          1\n"
        "ubuntu22.04      3\n"
        "ubuntu24.04      3\n");
  CHECK(run_cachedb(db + " values targets --release v1.0 --csv").out == "target,specs\r\naarch64,2\r\nx86_64_v3,3\r\n");
  CHECK(run_cachedb(db + " values family --json").out ==
        R"({"columns":["family","specs"],"source":)" + testing::last_run(db).json +
            R"(,"rows":[["aarch64",3],["x86_64",5]]})" "\n");
  CHECK(run_cachedb(db + " values target --filter target=x86_64_v3: --tsv").out == "target\tspecs\nx86_64_v3\t4\nzen4\t1\n");
  // Markdown and html name the run as json does; the table and the streams are the values alone.
  const auto run = testing::last_run(db);
  CHECK(run_cachedb(db + " values family --format markdown").out ==
        "| family | specs |\n| --- | ---: |\n| aarch64 | 3 |\n| x86_64 | 5 |\n\n_Made from " + run.made_from + "._\n");
  const auto html = run_cachedb(db + " values family --format html");
  CHECK(contains(html.out, "Made from " + run.made_from + ".</p>"));
  CHECK(contains(html.out, "<pre>cachedb values family</pre>"));
  // A page says what it shows: the scope with the command.
  CHECK(contains(run_cachedb(db + " values os --release v1.0 --filter target=aarch64 --format html").out,
                 "<pre>cachedb values os --release v1.0 --filter target=aarch64</pre>"));
  CHECK(table.err.empty());
  CHECK(run_cachedb(db + " values family --nl").out == "{\"family\":\"aarch64\",\"specs\":3}\n{\"family\":\"x86_64\",\"specs\":5}\n");

  // A value that matches nothing: a warning naming the nearest there are, on stderr; an empty result.
  const auto typo = run_cachedb(db + " values os --filter os=ubuntu22.4 --csv");
  CHECK(typo.exit_code == 0);
  CHECK(typo.out == "os,specs\r\n");
  CHECK(contains(typo.err, "os 'ubuntu22.4' matches nothing in the database; did you mean 'ubuntu22.04' or 'ubuntu24.04'?"));
  const auto range = run_cachedb(db + " report --matrix os-by-target --filter target=aarch46:");
  CHECK(range.exit_code == 0);
  CHECK(contains(range.err, "target 'aarch46:' matches nothing"));
  CHECK(contains(range.err, "did you mean 'aarch64:'?"));
  const auto release = run_cachedb(db + " values package --release devlop");
  CHECK(contains(release.err, "release 'devlop' matches nothing in the database; did you mean 'develop'?"));
  // Nothing near: no suggestion.
  CHECK_FALSE(contains(run_cachedb(db + " values os --filter os=windows").err, "did you mean"));

  CHECK(run_cachedb(db + " values colour").exit_code == 64);
  CHECK(run_cachedb(db + " values os --filter os").exit_code == 64);
  CHECK(run_cachedb(db + " values os --format xlsx").exit_code == 64);
  CHECK(run_cachedb(db + " values").exit_code == 64);
  const auto help = run_cachedb("values --help");
  CHECK(help.exit_code == 0);
  CHECK(contains(help.out, "Exit status"));
}
