// `cachedb report`, `cachedb sql` and `cachedb schema` through the binary: every
// format, scopes and warnings, the read-only refusal, and the HTML page in a
// real headless browser.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include <rapidjson/document.h>

#include "report/schema_doc.h"
#include "report/text_table.h"
#include "test_support.h"

using testing::run_cachedb;
using testing::shell_quote;
namespace fs = std::filesystem;

namespace {

// The matrix fixture ingested into a fresh database; returns "--db PATH".
std::string ingested(const testing::TempDir& dir) {
  const std::string db = "--db " + shell_quote((dir / "db.sqlite").string());
  REQUIRE(run_cachedb(db + " ingest " + shell_quote(testing::fixture("matrix").string())).exit_code == 0);
  return db;
}

}  // namespace

// Every test here runs the cachedb binary or other processes.
TEST_SUITE_BEGIN("process");

TEST_CASE("report formats: table, csv, tsv, json, markdown") {
  testing::TempDir dir;
  const auto db = ingested(dir);
  const std::string m = db + " report --matrix os-by-target --totals";

  auto table = run_cachedb(m);
  CHECK(table.exit_code == 0);
  // Not a terminal: plain zeros, no escape codes.
  CHECK(table.out ==
        "os           aarch64  x86_64_v3  zen4  total\n"
        "rhel8              0          0     1      1\n"
        "sequoia            1          0     0      1\n"
        "ubuntu22.04        0          3     0      3\n"
        "ubuntu24.04        2          1     0      3\n"
        "total              3          4     1      8\n");

  CHECK(run_cachedb(m + " --format csv").out ==
        "os,aarch64,x86_64_v3,zen4,total\r\nrhel8,0,0,1,1\r\nsequoia,1,0,0,1\r\nubuntu22.04,0,3,0,3\r\n"
        "ubuntu24.04,2,1,0,3\r\ntotal,3,4,1,8\r\n");
  CHECK(run_cachedb(m + " --format tsv").out ==
        "os\taarch64\tx86_64_v3\tzen4\ttotal\nrhel8\t0\t0\t1\t1\nsequoia\t1\t0\t0\t1\nubuntu22.04\t0\t3\t0\t3\n"
        "ubuntu24.04\t2\t1\t0\t3\ntotal\t3\t4\t1\t8\n");
  CHECK(run_cachedb(m + " --format markdown").out ==
        "| os | aarch64 | x86_64_v3 | zen4 | total |\n"
        "| --- | ---: | ---: | ---: | ---: |\n"
        "| rhel8 | 0 | 0 | 1 | 1 |\n"
        "| sequoia | 1 | 0 | 0 | 1 |\n"
        "| ubuntu22.04 | 0 | 3 | 0 | 3 |\n"
        "| ubuntu24.04 | 2 | 1 | 0 | 3 |\n"
        "| total | 3 | 4 | 1 | 8 |\n");

  auto json = run_cachedb(db + " report --matrix oss-by-targets --format json --totals --release v1.0");
  REQUIRE(json.exit_code == 0);
  rapidjson::Document d;
  REQUIRE(!d.Parse(json.out.c_str()).HasParseError());
  CHECK(std::string(d["matrix"].GetString()) == "os-by-target");
  CHECK(std::string(d["dimensions"]["rows"].GetString()) == "os");
  CHECK(std::string(d["dimensions"]["columns"].GetString()) == "target");
  CHECK(std::string(d["counted"].GetString()) == "specs");
  CHECK(std::string(d["scope"]["release"][0].GetString()) == "v1.0");
  REQUIRE(d["rows"].Size() == 3);  // sequoia, ubuntu22.04, ubuntu24.04
  CHECK(std::string(d["rows"][2].GetString()) == "ubuntu24.04");
  REQUIRE(d["columns"].Size() == 2);
  CHECK(d["cells"][2][0].GetInt() == 1);  // s5
  CHECK(d["cells"][2][1].GetInt() == 1);  // s6
  CHECK(d["totals"]["columns"][1].GetInt() == 3);
  CHECK(d["totals"]["all"].GetInt() == 5);
  // Without --totals there is no totals member.
  rapidjson::Document plain;
  plain.Parse(run_cachedb(db + " report --matrix os-by-target --format json").out.c_str());
  CHECK(!plain.HasMember("totals"));

  CHECK(run_cachedb(db + " report --matrix os-by-target --format yaml").exit_code == 64);
}

TEST_CASE("on a terminal, zeros are a dimmed dot and columns stay aligned") {
  cachedb::Grid g{{"os", "aarch64", "zen4"}, {"rhel8", "0", "1"}, {"sequoia", "12", "0"}};
  CHECK(cachedb::render_aligned(g, {{false, true, true}, true}) ==
        "os       aarch64  zen4\n"
        "rhel8    \x1b[2m      ·\x1b[0m     1\n"
        "sequoia       12  \x1b[2m   ·\x1b[0m\n");
}

TEST_CASE("report: plural and singular names, generic pairs, --count, --filter, warnings, --list") {
  testing::TempDir dir;
  const auto db = ingested(dir);
  const auto a = run_cachedb(db + " report --matrix stack-by-platforms --format csv");
  CHECK(a.exit_code == 0);
  CHECK(a.out.starts_with("stack,darwin,linux\r\ndeveloper-tools-darwin,1,0\r\n"));
  CHECK(run_cachedb(db + " report --matrix stacks-by-platform --format csv").out == a.out);

  auto packages = run_cachedb(db + " report --matrix os-by-target --count packages --format csv --totals");
  CHECK(packages.out.find("ubuntu22.04,0,2,0,2\r\n") != std::string::npos);
  CHECK(run_cachedb(db + " report --matrix os-by-target --count hashes").exit_code == 64);

  auto filtered = run_cachedb(db + " report --matrix stacks-by-target --format csv --filter os=ubuntu24.04 "
                                   "--filter target=aarch64");
  CHECK(filtered.out == "stack,aarch64\r\nml-linux-aarch64-cpu,2\r\n");

  // A value that matches nothing: a warning naming it, an empty matrix, success.
  auto typo = run_cachedb(db + " report --matrix stacks-by-target --format csv --release devel0p "
                               "--filter " + shell_quote("os=rhel8' OR 1=1 --"));
  CHECK(typo.exit_code == 0);
  CHECK(typo.out == "stack\r\n");
  CHECK(typo.err.find("release 'devel0p' matches nothing") != std::string::npos);
  CHECK(typo.err.find("os 'rhel8' OR 1=1 --' matches nothing") != std::string::npos);

  auto bad_filter = run_cachedb(db + " report --matrix stacks-by-target --filter colour=red");
  CHECK(bad_filter.exit_code == 64);
  CHECK(bad_filter.err.find("unknown dimension 'colour'") != std::string::npos);
  CHECK(run_cachedb(db + " report --matrix stacks-by-target --filter os").exit_code == 64);

  auto list = run_cachedb("report --list");
  CHECK(list.exit_code == 0);
  CHECK(list.out.find("stacks-by-target     binaries in each stack, per target\n") != std::string::npos);
  CHECK(list.out.find("releases-by-stack") != std::string::npos);
  CHECK(run_cachedb(db + " report").exit_code == 64);
}

TEST_CASE("sql: formats and named parameters") {
  testing::TempDir dir;
  const auto db = ingested(dir);
  const std::string q =
      shell_quote("SELECT os, count(DISTINCT hash) AS specs, NULL AS missing FROM specs "
                  "WHERE release = :release GROUP BY os ORDER BY os");
  auto table = run_cachedb(db + " sql " + q + " --param release=v1.0");
  CHECK(table.exit_code == 0);
  CHECK(table.out ==
        "os           specs  missing\n"
        "sequoia          1\n"
        "ubuntu22.04      2\n"
        "ubuntu24.04      2\n");
  CHECK(run_cachedb(db + " sql " + q + " --param release=v1.0 --format csv").out ==
        "os,specs,missing\r\nsequoia,1,\r\nubuntu22.04,2,\r\nubuntu24.04,2,\r\n");
  CHECK(run_cachedb(db + " sql " + q + " --param release=v1.0 --format tsv").out ==
        "os\tspecs\tmissing\nsequoia\t1\t\nubuntu22.04\t2\t\nubuntu24.04\t2\t\n");
  CHECK(run_cachedb(db + " sql " + q + " --param release=v1.0 --format markdown").out ==
        "| os | specs | missing |\n| --- | ---: | --- |\n| sequoia | 1 |  |\n| ubuntu22.04 | 2 |  |\n"
        "| ubuntu24.04 | 2 |  |\n");
  CHECK(run_cachedb(db + " sql " + q + " --param release=v1.0 --format json").out ==
        "{\"columns\":[\"os\",\"specs\",\"missing\"],\"rows\":[[\"sequoia\",1,null],[\"ubuntu22.04\",2,null],"
        "[\"ubuntu24.04\",2,null]]}\n");
  auto html = run_cachedb(db + " sql " + q + " --param release=v1.0 --format html");
  CHECK(html.out.find("<td class=\"text\">ubuntu24.04</td><td>2</td>") != std::string::npos);

  // A parameter value is a value, never SQL.
  CHECK(run_cachedb(db + " sql " + q + " --param " + shell_quote("release=v1.0' OR '1'='1")).out ==
        "os  specs  missing\n");
  auto missing = run_cachedb(db + " sql " + q);
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("no --param release=VALUE") != std::string::npos);
  auto extra = run_cachedb(db + " sql " + q + " --param release=v1.0 --param os=x");
  CHECK(extra.exit_code == 1);
  CHECK(extra.err.find("no parameter :os") != std::string::npos);
  auto syntax = run_cachedb(db + " sql " + shell_quote("SELEKT 1"));
  CHECK(syntax.exit_code == 1);
  CHECK(syntax.err.find("syntax error") != std::string::npos);
}

TEST_CASE("sql is read-only: every write is refused and the database file is untouched") {
  testing::TempDir dir;
  const auto db = ingested(dir);
  const auto path = dir / "db.sqlite";
  const auto before = testing::read_text(path);
  const auto before_wal = testing::read_text(dir / "db.sqlite-wal");
  const auto mtime = fs::last_write_time(path);
  for (const char* write : {"DELETE FROM spec", "DROP TABLE release_spec", "INSERT INTO release(name) VALUES ('x')",
                            "UPDATE package SET name = 'y'", "PRAGMA user_version = 99", "CREATE TABLE t(x)",
                            "CREATE TEMP TABLE t(x)", "VACUUM", "SELECT 1; DELETE FROM spec",
                            "WITH x AS (SELECT 1) DELETE FROM spec"}) {
    INFO(write);
    auto r = run_cachedb(db + " sql " + shell_quote(write));
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    const bool refused = r.err.find("refused") != std::string::npos ||
                         r.err.find("one statement at a time") != std::string::npos;
    CHECK(refused);
  }
  auto vacuum_into = run_cachedb(db + " sql " + shell_quote("VACUUM INTO '" + (dir / "copy.sqlite").string() + "'"));
  CHECK(vacuum_into.exit_code == 1);
  CHECK(!fs::exists(dir / "copy.sqlite"));
  CHECK(testing::read_text(path) == before);
  CHECK(testing::read_text(dir / "db.sqlite-wal") == before_wal);
  CHECK(fs::last_write_time(path) == mtime);
  CHECK(run_cachedb(db + " sql " + shell_quote("SELECT count(*) FROM spec") + " --format csv").out ==
        "count(*)\r\n8\r\n");
}

TEST_CASE("schema: every column of every view and table is described") {
  const auto docs = cachedb::schema_doc();
  bool has_specs = false;
  for (const auto& d : docs) {
    INFO(d.kind << " " << d.name);
    CHECK(!d.description.empty());
    CHECK(!d.columns.empty());
    for (const auto& c : d.columns) {
      INFO(c.name);
      CHECK(!c.description.empty());
    }
    has_specs = has_specs || (d.kind == "view" && d.name == "specs");
  }
  CHECK(has_specs);
  auto r = run_cachedb("schema");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("spec_stacks: One row per spec per stack it is in, per release.\n") != std::string::npos);
  CHECK(r.out.find("  stack             a stack the release lists it in") != std::string::npos);
  CHECK(r.out.find("(undocumented)") == std::string::npos);
}

TEST_CASE("html: one self-contained page that a real browser renders as the matrix") {
  testing::TempDir dir;
  const auto db = ingested(dir);
  auto html = run_cachedb(db + " report --matrix stacks-by-target --format html --totals");
  REQUIRE(html.exit_code == 0);
  CHECK(html.out.starts_with("<!DOCTYPE html>"));
  // Self-contained: no scripts, stylesheets, images or fonts fetched from anywhere.
  for (const char* external : {"<script", "<link", "src=", "url(", "@import", "http://", "https://"}) {
    INFO(external);
    CHECK(html.out.find(external) == std::string::npos);
  }
  CHECK(html.out.find("<th scope=\"row\">e4s</th>") != std::string::npos);

  const char* chromium = nullptr;
  for (const char* c : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (fs::exists(c)) chromium = c;
  if (!chromium) {
    MESSAGE("chromium is not installed (scripts/install-deps.sh --ci): skipping the browser check");
    return;
  }
  const auto page = dir / "matrix.html";
  testing::write_text(page, html.out);
  const auto dom = dir / "dom.html", shot = dir / "matrix.png";
  const std::string flags = std::string(chromium) +
                            " --headless --no-sandbox --disable-gpu --disable-background-networking "
                            "--disable-component-update --disable-sync --no-first-run --user-data-dir=" +
                            shell_quote((dir / "profile").string());
  const std::string url = shell_quote("file://" + page.string());
  REQUIRE(std::system((flags + " --dump-dom " + url + " >" + shell_quote(dom.string()) + " 2>/dev/null").c_str()) == 0);
  const auto rendered = testing::read_text(dom);
  // The browser parsed it into the table we meant: title, the row of e4s with
  // its heat-shaded cell, and the distinct totals.
  CHECK(rendered.find("<title>cachedb: stacks-by-target</title>") != std::string::npos);
  CHECK(rendered.find("<th scope=\"row\">e4s</th><td class=\"zero\" title=\"e4s × aarch64: 0 specs\">0</td>") !=
        std::string::npos);
  CHECK(rendered.find("title=\"e4s × x86_64_v3: 2 specs\">2</td>") != std::string::npos);
  CHECK(rendered.find("<tfoot><tr class=\"total\"><th scope=\"row\" class=\"total\">total</th><td class=\"total\">3</td>"
                      "<td class=\"total\">3</td><td class=\"total\">1</td><td class=\"total\">7</td></tr></tfoot>") !=
        std::string::npos);
  REQUIRE(std::system((flags + " --window-size=1100,520 --screenshot=" + shell_quote(shot.string()) + " " + url +
                       " >/dev/null 2>&1")
                          .c_str()) == 0);
  CHECK(fs::file_size(shot) > 5000);
  if (const char* keep = std::getenv("CACHEDB_KEEP_SCREENSHOT")) fs::copy_file(shot, keep, fs::copy_options::overwrite_existing);
}

TEST_SUITE_END();
