// Large matrices made readable: labels in Spack's version order, --sort,
// --top, --transpose, rows and columns of zeros, the cell limit; and the
// ingest run every matrix names. In-process, on the versions fixture.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <numeric>

#include <SQLiteCpp/Database.h>

#include "ingest/ingester.h"
#include "report/matrix.h"
#include "report/matrix_shape.h"
#include "report/render.h"
#include "report/version_order.h"
#include "storage/database.h"
#include "test_support.h"

using namespace cachedb;

namespace {

SQLite::Database& versions_db() {
  static testing::TempDir dir;
  static SQLite::Database db = [] {
    auto d = open_database(dir / "versions.sqlite", OpenMode::ReadWrite);
    auto s = ingest(d, {testing::fixture("versions")}, {});
    REQUIRE(s.pages_added == 3);
    return d;
  }();
  return db;
}

Matrix shaped(const std::string& name, const ShapeOptions& shape, const MatrixOptions& options = {}) {
  auto m = run_matrix(versions_db(), name, options);
  shape_matrix(m, shape);
  return m;
}

using Labels = std::vector<std::string>;

}  // namespace

TEST_CASE("versions compare as Spack compares them") {
  // Numbers as numbers, not as text.
  CHECK(compare_versions("6.5.0", "10.3.0") < 0);
  CHECK(compare_versions("1.8.22", "1.10.9") < 0);
  // A version with more parts is the newer: 1.2 < 1.2.0 < 1.2.0.1.
  CHECK(compare_versions("1.2", "1.2.0") < 0);
  CHECK(compare_versions("1.2.0", "1.2.0.1") < 0);
  // Pre-releases before the release, alpha < beta < rc, rc1 < rc2.
  CHECK(compare_versions("1.0rc1", "1.0") < 0);
  CHECK(compare_versions("1.0alpha", "1.0beta") < 0);
  CHECK(compare_versions("1.0beta2", "1.0rc") < 0);
  CHECK(compare_versions("1.0rc", "1.0rc1") < 0);
  CHECK(compare_versions("1.0-rc2", "1.0rc10") < 0);
  // A word is older than a number; the develop-like words are newer than any
  // number, in Spack's order.
  CHECK(compare_versions("1.a", "1.0") < 0);
  CHECK(compare_versions("99.99", "stable") < 0);
  CHECK(compare_versions("master", "main") < 0);
  CHECK(compare_versions("main", "develop") < 0);
  CHECK(compare_versions("head", "master") < 0);
  CHECK(compare_versions("v0.9", "v0.10") < 0);
  CHECK(compare_versions("v0.23.1", "develop") < 0);
  CHECK(compare_versions("develop-2025-03-23", "develop-2025-04-06") < 0);
  // Separators do not count: 1.2-3 and 1_2.3 are one version; leading zeros
  // neither. Text that differs only so still orders one way (the tie-break).
  CHECK(compare_versions("1.2-3", "1_2.3") == 0);
  CHECK(compare_versions("1.07", "1.7") == 0);
  CHECK(version_label_less("1.07", "1.7"));
  CHECK(!version_label_less("1.7", "1.07"));
  // Numbers longer than any integer type still compare.
  CHECK(compare_versions("20250101000000000000000001", "20250101000000000000000002") < 0);
}

TEST_CASE("git versions order as the version their ref is assigned, as Spack orders them") {
  // git.REF=V and COMMIT=V order as V, never as the ref's text.
  CHECK(compare_versions("1.2", "git.abc=1.3") < 0);
  CHECK(compare_versions("git.abc=1.3", "1.4") < 0);
  CHECK(compare_versions("1.10", "git.abc=1.9") > 0);
  const std::string commit(40, 'a');
  CHECK(compare_versions("1.2", commit + "=1.3") < 0);
  CHECK(compare_versions(commit + "=1.3", "1.4") < 0);
  CHECK(compare_versions("abc=1.3", "1.4") < 0);  // '=' after the first byte: a git version
  // git.v2.0=main is main: after every number, before develop.
  CHECK(compare_versions("2.0", "git.v2.0=main") < 0);
  CHECK(compare_versions("99999.9", "git.v2.0=main") < 0);
  CHECK(compare_versions("master", "git.v2.0=main") < 0);
  CHECK(compare_versions("git.v2.0=main", "develop") < 0);
  // Spack: a git version is just after the plain version it is assigned
  // (GitVersion at equal ref version is larger), before any newer one.
  CHECK(compare_versions("1.2", "git.abc=1.2") < 0);
  CHECK(compare_versions("1.02", "git.abc=1.2") < 0);
  CHECK(compare_versions("git.abc=1.2", "1.2.0") < 0);
  CHECK(compare_versions("git.abc=1.2", "1.2.1rc1") < 0);
  // Two refs assigned one version: by ref; the same ref and version are one
  // version in Spack, written with git. or without (the text breaks the tie).
  CHECK(compare_versions("git.abc=1.2", "git.abd=1.2") < 0);
  CHECK(compare_versions("git.zzz=1.2", "git.abc=1.3") < 0);
  CHECK(compare_versions("git.abc=1.2", "abc=1.2") == 0);
  CHECK(version_label_less("abc=1.2", "git.abc=1.2"));
  CHECK(!version_label_less("git.abc=1.2", "abc=1.2"));
  // A ref with no version assigned (a ref alone, a commit alone, a range)
  // comes after every other version; such refs by ref, then by range: low
  // end (none first), then the version after the high end (none last).
  CHECK(compare_versions("develop", "git.abc") < 0);
  CHECK(compare_versions("git.zzz=develop", "git.abc") < 0);
  CHECK(compare_versions("develop", commit) < 0);
  CHECK(compare_versions("git.abc", "git.abd") < 0);
  CHECK(compare_versions("git.abc", "git.abc=1.2:") < 0);
  CHECK(compare_versions("git.abc=:1.4", "git.abc") < 0);
  CHECK(compare_versions("git.abc=1.2:1.4", "git.abc=1.2:") < 0);
  CHECK(compare_versions("git.abc=1.2:1.4", "git.abc=1.2:1.5") < 0);
  CHECK(compare_versions("git.abc=1:1.2.0", "git.abc=1:1.2") < 0);  // 1.2.1 < 1.3, the ends after
  CHECK(compare_versions("git.abc=1:master", "git.abc=1:main") < 0);
  CHECK(compare_versions("git.abc=1:2rc", "git.abc=1:2rc0") < 0);  // 2rc0 < 2rc1
  CHECK(compare_versions("git.abc=1:9", "git.abc=1:10") < 0);
  CHECK(compare_versions("git.abc=1:1.99", "git.abc=1:1.100") < 0);
  CHECK(compare_versions("git.abc=:1.2", "git.abc=:1.2") == 0);
  // A label with a git version: its name, then its version, as any other.
  CHECK(version_label_less("gcc@13.2.0", "gcc@git.abc=13.2.0"));
  CHECK(version_label_less("gcc@git.abc=13.2.0", "gcc@14.1.0"));

  // Sorted through LabelKey, as matrices sort, and through version_label_less
  // and compare_versions: one total order.
  std::vector<std::string> labels = {"git.abc", "git.v2.0=main", "1.4", "abc=1.2", "develop", "git.abc=1.3",
                                     "1.2", "git.abd=1.2", commit, "git.abc=1.2", "main", "1.10",
                                     commit + "=1.3", "git.abc=1.2:", "1.02", "git.abc=:1.4", "1.2.0"};
  const Labels expected = {"1.02", "1.2", "abc=1.2", "git.abc=1.2", "git.abd=1.2", "1.2.0", commit + "=1.3",
                           "git.abc=1.3", "1.4", "1.10", "main", "git.v2.0=main", "develop", commit,
                           "git.abc=:1.4", "git.abc", "git.abc=1.2:"};
  const std::vector<LabelKey> keys(labels.begin(), labels.end());
  std::vector<std::size_t> at(labels.size());
  std::iota(at.begin(), at.end(), 0);
  std::sort(at.begin(), at.end(), [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
  Labels by_key;
  for (auto i : at) by_key.push_back(labels[i]);
  CHECK(by_key == expected);
  auto by_less = labels;
  std::sort(by_less.begin(), by_less.end(), [](const auto& x, const auto& y) { return version_label_less(x, y); });
  CHECK(by_less == expected);
  for (std::size_t i = 0; i + 1 < expected.size(); ++i) {
    INFO(expected[i], " < ", expected[i + 1]);
    CHECK(compare_versions(expected[i], expected[i + 1]) <= 0);
    CHECK(compare_versions(expected[i + 1], expected[i]) >= 0);
  }
  for (const auto& x : labels)
    for (const auto& y : labels)
      for (const auto& z : labels)
        if (version_label_less(x, y) && version_label_less(y, z)) CHECK(version_label_less(x, z));
}

TEST_CASE("labels: a compiler by its name, then its version; other labels as versions") {
  CHECK(version_label_less("gcc@6.5.0", "gcc@10.3.0"));
  CHECK(version_label_less("apple-clang@16.0.0", "gcc@6.5.0"));
  CHECK(version_label_less("gcc@13.2.0", "gcc-runtime@6.0"));  // names by bytes first
  CHECK(version_label_less("rhel9", "rhel10"));
  CHECK(version_label_less("ubuntu22.04", "ubuntu24.04"));
  CHECK(version_label_less("e4s", "e4s-cuda"));
  CHECK(!version_label_less("e4s", "e4s"));
  // One rule for labels with and without '@': the order stays transitive
  // (a-b@1 < a-c < a@1 < a-b@1 would be a cycle with names compared by bytes).
  std::vector<std::string> mixed = {"a-c", "a@1", "a-b@1", "gcc", "gcc@10", "gcc@9", "a@10"};
  for (const auto& x : mixed)
    for (const auto& y : mixed)
      for (const auto& z : mixed)
        if (version_label_less(x, y) && version_label_less(y, z)) CHECK(version_label_less(x, z));
  std::sort(mixed.begin(), mixed.end(), [](const auto& x, const auto& y) { return version_label_less(x, y); });
  CHECK(mixed == Labels{"a@1", "a@10", "a-b@1", "a-c", "gcc", "gcc@9", "gcc@10"});
}

TEST_CASE("--sort name orders every side as Spack orders versions; --sort total largest first") {
  auto by_name = shaped("compilers-by-release", {});
  CHECK(by_name.rows == Labels{"gcc@6.5.0", "gcc@9.4.0", "gcc@10.3.0"});
  CHECK(by_name.cols == Labels{"v0.9", "v0.10", "develop"});
  CHECK(by_name.cells == std::vector<std::vector<std::int64_t>>{{1, 0, 1}, {0, 0, 1}, {0, 2, 1}});
  CHECK(by_name.row_totals == std::vector<std::int64_t>{2, 1, 3});
  CHECK(by_name.col_totals == std::vector<std::int64_t>{1, 2, 3});
  CHECK(by_name.sorted_by == "name");

  auto versions = shaped("versions-by-os", {});
  CHECK(versions.rows == Labels{"1.8.22", "1.10.9", "1.14.0rc1", "1.14.0", "develop"});
  CHECK(versions.cols == Labels{"rhel8", "rhel9", "rhel10", "ubuntu22.04"});

  // By total: gcc@10.3.0 (3) before gcc@6.5.0 (2) before gcc@9.4.0 (1);
  // releases develop (3), v0.10 (2), v0.9 (1). Ties keep the name order.
  auto by_total = shaped("compilers-by-release", {.sort = SortBy::Total});
  CHECK(by_total.rows == Labels{"gcc@10.3.0", "gcc@6.5.0", "gcc@9.4.0"});
  CHECK(by_total.cols == Labels{"develop", "v0.10", "v0.9"});
  CHECK(by_total.cells[0] == std::vector<std::int64_t>{1, 2, 0});
  auto tied = shaped("versions-by-os", {.sort = SortBy::Total});
  CHECK(tied.rows == Labels{"1.10.9", "1.8.22", "1.14.0rc1", "1.14.0", "develop"});
}

// The versions fixture with two git versions (testing::git_versions_tree).
TEST_CASE("versions-by-os: a git version where the version its ref is assigned is, as Spack orders it") {
  testing::TempDir dir;
  const auto tree = testing::git_versions_tree(dir.path());
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  REQUIRE(ingest(db, {tree}, {}).rejections.empty());
  auto m = run_matrix(db, "versions-by-os", {});
  shape_matrix(m, {});
  CHECK(m.rows == Labels{"1.8.22", "1.10.9", "1.14.0", "git.abc=1.14.0", "git.v2.0=main", "develop"});
  CHECK(m.cols == Labels{"rhel8", "rhel9", "rhel10", "ubuntu22.04"});
}

TEST_CASE("--transpose swaps rows and columns, their totals and the matrix's name") {
  auto m = shaped("compilers-by-release", {.transpose = true});
  CHECK(m.name == "releases-by-compiler");
  CHECK(m.row_dim == "release");
  CHECK(m.col_dim == "compiler");
  CHECK(m.rows == Labels{"v0.9", "v0.10", "develop"});
  CHECK(m.cols == Labels{"gcc@6.5.0", "gcc@9.4.0", "gcc@10.3.0"});
  CHECK(m.cells == std::vector<std::vector<std::int64_t>>{{1, 0, 0}, {0, 0, 2}, {1, 1, 1}});
  CHECK(m.row_totals == std::vector<std::int64_t>{1, 2, 3});
  CHECK(m.grand_total == 6);
  CHECK(shaped("os-by-target", {.transpose = true}).name == "targets-by-os");
}

TEST_CASE("--top keeps the largest rows, then the columns left all zeros go, and it is said") {
  // Rows by total: 1.10.9 (2), then four with 1; ties go by name.
  auto m = shaped("versions-by-os", {.top = 2});
  CHECK(m.rows == Labels{"1.8.22", "1.10.9"});
  CHECK(m.cols == Labels{"rhel8", "rhel9"});  // rhel10 and ubuntu22.04 are zeros in these rows
  CHECK(m.omitted.top_rows == 3);
  CHECK(m.omitted.empty_cols == 2);
  CHECK(m.omitted.empty_rows == 0);
  CHECK(omitted_note(m) ==
        "Left out: 3 rows with smaller totals (--top); 2 columns of zeros (--show-empty shows them).");

  auto shown = shaped("versions-by-os", {.top = 2, .show_empty = true});
  CHECK(shown.cols == Labels{"rhel8", "rhel9", "rhel10", "ubuntu22.04"});
  CHECK(shown.omitted.empty_cols == 0);
  // With totals shown, a column whose total is not zero stays: it is not empty.
  auto totals = shaped("versions-by-os", {.top = 2, .totals = true});
  CHECK(totals.cols.size() == 4);
  // --top larger than the matrix leaves it whole.
  auto all = shaped("versions-by-os", {.top = 50});
  CHECK(all.rows.size() == 5);
  CHECK(all.omitted.top_rows == 0);
  CHECK(omitted_note(all).empty());
}

TEST_CASE("a row of zeros (specs with no value for the column) goes, unless --show-empty or its total shows") {
  // As a version matrix gives it when a spec has no version: the row has a
  // total but no cell. Built by hand: no fixture has such a spec.
  Matrix m;
  m.name = "os-by-version";
  m.row_dim = "os";
  m.col_dim = "version";
  m.rows = {"rhel8", "rhel9"};
  m.cols = {"1.0", "2.0"};
  m.cells = {{0, 0}, {1, 0}};
  m.row_totals = {1, 1};
  m.col_totals = {1, 0};
  m.grand_total = 2;
  auto hidden = m;
  shape_matrix(hidden, {});
  CHECK(hidden.rows == Labels{"rhel9"});
  CHECK(hidden.cols == Labels{"1.0"});
  CHECK(hidden.cells == std::vector<std::vector<std::int64_t>>{{1}});
  CHECK(hidden.omitted.empty_rows == 1);
  CHECK(hidden.omitted.empty_cols == 1);
  CHECK(omitted_note(hidden) == "Left out: 1 row and 1 column of zeros (--show-empty shows them).");
  auto shown = m;
  shape_matrix(shown, {.show_empty = true});
  CHECK(shown.rows == m.rows);
  CHECK(shown.cols == m.cols);
  CHECK(omitted_note(shown).empty());
  // With totals, rhel8's total (1) is a number to show; 2.0's (0) is not.
  auto totals = m;
  shape_matrix(totals, {.totals = true});
  CHECK(totals.rows == m.rows);
  CHECK(totals.cols == Labels{"1.0"});
}

TEST_CASE("the cell limit keeps the first rows, in the order shown, and says how many went") {
  auto m = shaped("versions-by-os", {});
  REQUIRE(cell_count(m) == 20);
  keep_first_rows(m, 2);
  CHECK(m.rows == Labels{"1.8.22", "1.10.9"});
  CHECK(m.cells.size() == 2);
  CHECK(m.omitted.limit_rows == 3);
  CHECK(omitted_note(m).find("the last 3 rows past the cell limit (--max-cells 0 shows every row") !=
        std::string::npos);
}

TEST_CASE("every matrix names the ingest run it was made from: json, markdown, html; csv stays data") {
  auto m = shaped("compilers-by-release", {});
  REQUIRE(m.source);
  const auto run = versions_db().execAndGet("SELECT max(id) FROM ingest_runs WHERE status = 'ok'").getInt64();
  const auto at = versions_db().execAndGet("SELECT finished_at FROM ingest_runs WHERE id = " + std::to_string(run)).getString();
  CHECK(m.source->id == run);
  CHECK(m.source->finished_at == at);
  const auto made_from = "ingest run " + std::to_string(run) + ", committed " + at;

  const auto json = render(m, {Format::Json, false, false});
  CHECK(json.find("\"source\":{\"run_id\":" + std::to_string(run) + ",\"finished_at\":\"" + at + "\"}") !=
        std::string::npos);
  CHECK(json.find("\"sort\":\"name\"") != std::string::npos);
  CHECK(json.find("\"omitted\":{\"rows\":{\"top\":0,\"empty\":0,\"limit\":0},\"columns\":{\"empty\":0}}") !=
        std::string::npos);
  const auto md = render(m, {Format::Markdown, false, false});
  CHECK(md.ends_with("|\n\n_Made from " + made_from + "._\n"));
  CHECK(render(m, {Format::Html, false, false}).find("Made from " + made_from + ".") != std::string::npos);
  CHECK(render(m, {Format::Csv, false, false}) ==
        "compiler,v0.9,v0.10,develop\r\ngcc@6.5.0,1,0,1\r\ngcc@9.4.0,0,0,1\r\ngcc@10.3.0,0,2,1\r\n");
}

TEST_CASE("the run named is the last committed one: a failed run after it changes nothing") {
  testing::TempDir dir;
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  CHECK(!last_committed_run(db));
  CHECK(describe(last_committed_run(db)) == "no ingest run");
  ingest(db, {testing::fixture("versions")}, {});
  const auto first = last_committed_run(db);
  REQUIRE(first);
  // A run that failed or was interrupted committed nothing: still the first.
  db.exec("INSERT INTO ingest_runs(started_at, finished_at, status) VALUES ('2030-01-01T00:00:00Z', "
          "'2030-01-01T00:00:01Z', 'failed')");
  db.exec("INSERT INTO ingest_runs(started_at, status) VALUES ('2030-01-02T00:00:00Z', 'interrupted')");
  CHECK(last_committed_run(db)->id == first->id);
  ingest(db, {testing::fixture("versions")}, {});
  CHECK(last_committed_run(db)->id > first->id);
}
