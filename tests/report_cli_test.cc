// `cachedb report`, `cachedb sql` and `cachedb schema` through the binary: every
// format, scopes and warnings, the read-only refusal, and the HTML page in a
// real headless browser.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <regex>

#include <rapidjson/document.h>

#include "child_process.h"
#include "page_builder.h"
#include "report/schema_doc.h"
#include "report/text_table.h"
#include "test_support.h"

using testing::run_cachedb;
using testing::run_cachedb_with_input;
using testing::shell_quote;
namespace fs = std::filesystem;

namespace {

// The matrix fixture ingested into a fresh database; returns "--db PATH".
std::string ingested(const testing::TempDir& dir) {
  const std::string db = "--db " + shell_quote((dir / "db.sqlite").string());
  REQUIRE(run_cachedb(db + " ingest " + shell_quote(testing::fixture("matrix").string())).exit_code == 0);
  return db;
}

// "ingest run N, committed T" of the database's last run, as `cachedb runs --json` gives it.
std::string made_from(const std::string& db) { return testing::last_run(db).made_from; }

}  // namespace

TEST_CASE("the aligned table pads by the columns a terminal gives, and shows control characters escaped") {
  CHECK(cachedb::width_of("abc") == 3);
  CHECK(cachedb::width_of("ü-target") == 8);
  CHECK(cachedb::width_of("日本語") == 6);                // East Asian wide: two columns each
  CHECK(cachedb::width_of("e\xcc\x81") == 1);            // e and a combining acute accent
  CHECK(cachedb::width_of("\xf0\x9f\x91\x8dx") == 3);  // an emoji, then x
  CHECK(cachedb::width_of("\xff\xfe") == 2);            // bytes that are no UTF-8: one each
  const cachedb::Grid g = {{"stack", "n"}, {"日本語", "333"}, {"e\xcc\x81", "4"}, {"abc", "22"}};
  CHECK(cachedb::render_aligned(g, {{false, true}, false}) ==
        "stack     n\n"
        "日本語  333\n"
        "e\xcc\x81         4\n"
        "abc      22\n");
  std::string scratch;
  CHECK(cachedb::shown_in_table("plain", scratch) == "plain");
  CHECK(cachedb::shown_in_table("a\nb\tc\rd", scratch) == "a\\nb\\tc\\rd");
  CHECK(cachedb::shown_in_table("\x1b[31mred\x7f", scratch) == "\\x1b[31mred\\x7f");
  CHECK(cachedb::shown_in_table("\xc2\x85 \xc2\xa0", scratch) == "\\u0085 \xc2\xa0");  // NEL escaped, a no-break space kept
  CHECK(cachedb::shown_in_table("\x9b[31m", scratch) == "\\u009b[31m");  // a lone byte: the 8-bit CSI
  CHECK(cachedb::shown_in_table("a\xe0\x80\x8a", scratch) == "a\\n");   // an overlong newline
  const cachedb::Grid broken = {{"stack", "n"}, {"line\nbreak", "1"}, {"e4s", "2"}};
  CHECK(cachedb::render_aligned(broken, {{false, true}, false}) ==
        "stack        n\n"
        "line\\nbreak  1\n"
        "e4s          2\n");
}

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
  // Markdown: the table, then the run it was made from (the fixture's one run).
  CHECK(run_cachedb(m + " --format markdown").out ==
        "| os | aarch64 | x86_64_v3 | zen4 | total |\n"
        "| --- | ---: | ---: | ---: | ---: |\n"
        "| rhel8 | 0 | 0 | 1 | 1 |\n"
        "| sequoia | 1 | 0 | 0 | 1 |\n"
        "| ubuntu22.04 | 0 | 3 | 0 | 3 |\n"
        "| ubuntu24.04 | 2 | 1 | 0 | 3 |\n"
        "| total | 3 | 4 | 1 | 8 |\n"
        "\n_Made from " + made_from(db) + "._\n");

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
  // Each once, though an empty matrix with stacks is run again to say why.
  CHECK(typo.err.find("release 'devel0p'") == typo.err.rfind("release 'devel0p'"));

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

TEST_CASE("report: big matrices: --sort, --top, --transpose, zeros left out, --max-cells, and what it was made from") {
  testing::TempDir dir;
  const std::string db = "--db " + shell_quote((dir / "db.sqlite").string());
  REQUIRE(run_cachedb(db + " ingest " + shell_quote(testing::fixture("versions").string())).exit_code == 0);
  const auto from = made_from(db);

  // Names in Spack's version order: gcc@6 before gcc@10, v0.9 before v0.10
  // before develop. stdout is the table alone; the run is named on stderr.
  const auto table = run_cachedb(db + " report --matrix compilers-by-release --totals");
  CHECK(table.exit_code == 0);
  CHECK(table.out ==
        "compiler    v0.9  v0.10  develop  total\n"
        "gcc@6.5.0      1      0        1      2\n"
        "gcc@9.4.0      0      0        1      1\n"
        "gcc@10.3.0     0      2        1      3\n"
        "total          1      2        3      6\n");
  CHECK(table.err == "note: made from " + from + "\n");
  CHECK(run_cachedb(db + " report --matrix compilers-by-release -q").err.empty());

  // --top 1 by total, --sort total; what was cut is said on stderr, the csv
  // stays data only.
  const auto top = run_cachedb(db + " report --matrix versions-by-os --top 1 --sort total --csv");
  CHECK(top.exit_code == 0);
  CHECK(top.out == "version,rhel8,rhel9\r\n1.10.9,1,1\r\n");
  CHECK(top.err ==
        "note: Left out: 4 rows with smaller totals (--top); 2 columns of zeros (--show-empty shows them).\n");
  CHECK(run_cachedb(db + " report --matrix versions-by-os --top 1 --show-empty --csv").out ==
        "version,rhel8,rhel9,rhel10,ubuntu22.04\r\n1.10.9,1,1,0,0\r\n");
  CHECK(run_cachedb(db + " report --matrix versions-by-os --top 0").exit_code == 64);
  CHECK(run_cachedb(db + " report --matrix versions-by-os --sort size").exit_code == 64);

  const auto turned = run_cachedb(db + " report --matrix compilers-by-release --transpose --json");
  rapidjson::Document d;
  REQUIRE(!d.Parse(turned.out.c_str()).HasParseError());
  CHECK(std::string(d["matrix"].GetString()) == "releases-by-compiler");
  CHECK(std::string(d["rows"][0].GetString()) == "v0.9");
  CHECK(std::string(d["columns"][2].GetString()) == "gcc@10.3.0");
  CHECK(d["cells"][1][2].GetInt() == 2);
  CHECK(d["source"]["run_id"].GetInt64() == 1);
  CHECK(from.find(d["source"]["finished_at"].GetString()) != std::string::npos);

  // Past --max-cells, table and markdown print nothing and exit 3, saying
  // why on one line; csv and json are never limited; html keeps the rows that
  // fit and says what it left out, and how to get it all.
  for (const char* format : {"table", "markdown"}) {
    INFO(format);
    const auto big = run_cachedb(db + " report --matrix versions-by-os --max-cells 8 --format " + format);
    CHECK(big.exit_code == 3);
    CHECK(big.out.empty());
    CHECK(big.err.find("versions-by-os has 5 rows x 4 columns = 20 cells, more than --max-cells 8: nothing printed") !=
          std::string::npos);
    CHECK(std::count(big.err.begin(), big.err.end(), '\n') == 1);
    CHECK(run_cachedb(db + " report --matrix versions-by-os --max-cells 0 --format " + std::string(format)).exit_code == 0);
  }
  CHECK(run_cachedb(db + " report --matrix versions-by-os --max-cells 8 --csv").out.size() > 20);
  const auto page = run_cachedb(db + " report --matrix versions-by-os --max-cells 8 --format html");
  CHECK(page.exit_code == 0);
  CHECK(page.out.find("<p class=\"cut\">Left out: the last 3 rows past the cell limit (--max-cells 0 shows every row") !=
        std::string::npos);
  CHECK(page.out.find("<th scope=\"row\">1.10.9</th>") != std::string::npos);
  CHECK(page.out.find("<th scope=\"row\">1.14.0</th>") == std::string::npos);
  CHECK(page.err.find("shows its first 2 rows of 5") != std::string::npos);
  // A limit no row fits in: the first row all the same, said so.
  CHECK(run_cachedb(db + " report --matrix versions-by-os --max-cells 1 --format html").err.find(
            "shows its first row of 5") != std::string::npos);
  CHECK(page.out.find("Made from " + from + ".") != std::string::npos);

  const auto help = run_cachedb("report --help");
  CHECK(help.out.find("3 nothing printed") != std::string::npos);
}

TEST_CASE("html: the legend above the table, the first column and the header stay in view, narrow column headers") {
  testing::TempDir dir;
  const std::string db = "--db " + shell_quote((dir / "db.sqlite").string());
  REQUIRE(run_cachedb(db + " ingest " + shell_quote(testing::fixture("versions").string())).exit_code == 0);
  const auto page = run_cachedb(db + " report --matrix os-by-stack --format html --totals").out;
  const auto legend = page.find("<p class=\"legend\">Shading"), table = page.find("<table");
  REQUIRE(legend != std::string::npos);
  CHECK(legend < table);
  CHECK(page.find("tbody th, tfoot th { position: sticky; left: 0;") != std::string::npos);
  CHECK(page.find("thead th { background: #f6f8fa; position: sticky; top: 0;") != std::string::npos);
  // The long stack name is a column label written upwards, whole in its title.
  const std::string name = "e4s-cuda-with-a-very-long-stack-name-for-narrow-headers";
  CHECK(page.find("<th scope=\"col\" class=\"col\" title=\"" + name + "\"><span>" + name + "</span></th>") !=
        std::string::npos);
  CHECK(page.find("writing-mode: vertical-rl") != std::string::npos);
}

TEST_CASE("list: a control character a page wrote is shown escaped, one spec a line") {
  testing::TempDir dir;
  const auto tree = dir / "tree";
  testing::CachePage page("develop", "zlib");
  page.spec(testing::SpecEntry("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")
                .versions({"1.3\\u001b[2J"})
                .os("rhel8\\u001b]0;title\\u0007")
                .variants({"note='a\\nb'"})
                .compiler("gcc@=11.4.0")
                .target("x86_64_v3"));
  page.write(tree);
  const std::string db = "--db " + shell_quote((dir / "db.sqlite").string());
  REQUIRE(run_cachedb(db + " ingest " + shell_quote(tree.string())).exit_code == 0);
  const auto r = run_cachedb(db + " list");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "zzzzzzz zlib@1.3\\x1b[2J%gcc@11.4.0 note='a\\nb' arch=linux-rhel8\\x1b]0;title\\x07-x86_64_v3\n");
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
  // The table is the rows alone, as the sqlite3 shell prints them: no note on stderr either.
  CHECK(table.err.empty());
  CHECK(run_cachedb(db + " sql " + q + " --param release=v1.0 --format csv").out ==
        "os,specs,missing\r\nsequoia,1,\r\nubuntu22.04,2,\r\nubuntu24.04,2,\r\n");
  CHECK(run_cachedb(db + " sql " + q + " --param release=v1.0 --format tsv").out ==
        "os\tspecs\tmissing\nsequoia\t1\t\nubuntu22.04\t2\t\nubuntu24.04\t2\t\n");
  // The documents name the run the database was made by, as a report does.
  const auto run = testing::last_run(db);
  CHECK(run_cachedb(db + " sql " + q + " --param release=v1.0 --format markdown").out ==
        "| os | specs | missing |\n| --- | ---: | --- |\n| sequoia | 1 |  |\n| ubuntu22.04 | 2 |  |\n"
        "| ubuntu24.04 | 2 |  |\n\n_Made from " + run.made_from + "._\n");
  CHECK(run_cachedb(db + " sql " + q + " --param release=v1.0 --format json").out ==
        "{\"columns\":[\"os\",\"specs\",\"missing\"],\"source\":" + run.json +
        ",\"rows\":[[\"sequoia\",1,null],[\"ubuntu22.04\",2,null],[\"ubuntu24.04\",2,null]]}\n");
  auto html = run_cachedb(db + " sql " + q + " --param release=v1.0 --format html");
  CHECK(html.out.find("<td class=\"text\">ubuntu24.04</td><td>2</td>") != std::string::npos);
  CHECK(html.out.find("<p class=\"note\">One query&#39;s result. Made from " + run.made_from + ".</p>") !=
        std::string::npos);

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
                            "WITH x AS (SELECT 1) DELETE FROM spec", "PRAGMA journal_mode = DELETE",
                            "pragma main.journal_mode=delete", "PRAGMA wal_checkpoint",
                            "PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA temp.journal_mode",
                            // Prepared as read-only; it fails only when it runs.
                            "PRAGMA optimize"}) {
    INFO(write);
    auto r = run_cachedb(db + " sql " + shell_quote(write));
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    const bool refused = r.err.find("refused") != std::string::npos ||
                         r.err.find("one statement at a time") != std::string::npos;
    CHECK(refused);
  }
  // The journal mode asked runs, though SQLite counts it as a write (given a
  // mode, it may write): the connection is read-only.
  CHECK(run_cachedb(db + " sql " + shell_quote("PRAGMA journal_mode") + " --format csv").out ==
        "journal_mode\r\nwal\r\n");
  CHECK(run_cachedb(db + " sql " + shell_quote("/* mode */ pragma main.journal_mode;") + " --format csv").out ==
        "journal_mode\r\nwal\r\n");
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
  // (Names are padded to the longest column name of the schema.)
  CHECK(std::regex_search(r.out, std::regex("\n  stack +a stack the release lists it in")));
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

namespace {

// Sanitizers multiply memory use; their runs check correctness only.
using testing::kSanitized;

// N rows of (n, a 100-character text, n / 3.0), made by SQLite as it goes.
std::string counting_query(long rows) {
  return "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < " + std::to_string(rows) +
         ") SELECT n, printf('%.100c', 'x') AS text, n / 3.0 AS third FROM c";
}

const char* const kFormats[] = {"table", "csv", "tsv", "json", "ndjson", "markdown", "html"};

}  // namespace

TEST_CASE("sql streams: the rows SQLite produced before an error are already out, in every format") {
  testing::TempDir dir;
  const auto db = ingested(dir);
  // Row 5 overflows: abs() of the smallest integer is an error.
  const std::string q = shell_quote(
      "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 10) "
      "SELECT n, CASE WHEN n < 5 THEN n ELSE abs(n - 5 - 9223372036854775807 - 1) END AS v FROM c");
  for (const char* format : kFormats) {
    INFO(std::string(format));
    const auto r = run_cachedb(db + " sql " + q + " --format " + format);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("integer overflow") != std::string::npos);
    // The first four rows were written before SQLite met the fifth.
    if (std::string(format) == "csv") CHECK(r.out == "n,v\r\n1,1\r\n2,2\r\n3,3\r\n4,4\r\n");
    if (std::string(format) == "ndjson") CHECK(r.out == "{\"n\":1,\"v\":1}\n{\"n\":2,\"v\":2}\n{\"n\":3,\"v\":3}\n{\"n\":4,\"v\":4}\n");
    if (std::string(format) == "json")
      CHECK(r.out == "{\"columns\":[\"n\",\"v\"],\"source\":" + testing::last_run(db).json +
                         ",\"rows\":[[1,1],[2,2],[3,3],[4,4]");
    // Cut short, a markdown table has no line naming its source: it would look complete.
    if (std::string(format) == "markdown") CHECK(r.out.find("Made from") == std::string::npos);
    if (std::string(format) == "table") CHECK(r.out == "n  v\n1  1\n2  2\n3  3\n4  4\n");
    CHECK(r.out.find('4') != std::string::npos);
  }

  // A query without end, read until `head` has had enough: only a stream ends
  // (cachedb then meets a closed pipe). The timeout only keeps a broken build
  // from hanging the suite.
  for (const char* format : {"csv", "ndjson", "tsv", "table"}) {
    INFO(std::string(format));
    const auto out = dir / "head.out";
    const std::string endless = shell_quote("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c");
    const std::string cmd = shell_quote(std::getenv("CACHEDB_BINARY")) + " " + db + " sql " + endless +
                            " --timeout 120 --format " + format + " | head -n 3 >" + shell_quote(out.string());
    CHECK(std::system(cmd.c_str()) == 0);
    const auto head = testing::read_text(out);
    CHECK(std::count(head.begin(), head.end(), '\n') == 3);
  }
}

TEST_CASE("sql: memory stays flat whatever the size of the result, in every format") {
  if (kSanitized) {
    MESSAGE("skipped under sanitizers: they inflate memory use");
    return;
  }
  testing::TempDir dir;
  ingested(dir);
  const auto db = dir / "db.sqlite";
  // 200k rows are some 25 MB of text in any format: held whole, some 140 MB.
  for (const char* format : kFormats) {
    long peak_kb[2] = {0, 0};
    int i = 0;
    for (long rows : {10'000L, 200'000L}) {
      const std::string cmd = "exec " + shell_quote(testing::cachedb_binary()) + " --db " + shell_quote(db.string()) +
                              " sql " + shell_quote(counting_query(rows)) + " --format " + format + " >/dev/null";
      const auto r = testing::run_child({"sh", "-c", cmd}, 120);
      INFO(std::string(format) << " " << rows << " rows: " << r.err);
      REQUIRE(r.exit_code == 0);
      peak_kb[i++] = r.max_rss_kb;
    }
    MESSAGE(std::string(format) << ": peak RSS " << peak_kb[0] / 1024 << " MiB at 10k rows, " << peak_kb[1] / 1024
                   << " MiB at 200k rows");
    // Flat: 20 times the rows, at most 8 MiB more (the table's window is 4 MiB).
    CHECK(peak_kb[1] < peak_kb[0] + 8 * 1024);
  }
}

TEST_CASE("sql --format ndjson, and reals JSON cannot write (1e999) are null") {
  testing::TempDir dir;
  const auto db = ingested(dir);
  const std::string q = shell_quote("SELECT 'a\"b' AS s, 1 AS i, 2.5 AS r, 1e999 AS inf, -1e999 AS ninf, NULL AS z");
  CHECK(run_cachedb(db + " sql " + q + " --format ndjson").out ==
        "{\"s\":\"a\\\"b\",\"i\":1,\"r\":2.5,\"inf\":null,\"ninf\":null,\"z\":null}\n");
  const auto json = run_cachedb(db + " sql " + q + " --format json");
  const auto source = testing::last_run(db).json;
  CHECK(json.out == "{\"columns\":[\"s\",\"i\",\"r\",\"inf\",\"ninf\",\"z\"],\"source\":" + source +
                        ",\"rows\":[[\"a\\\"b\",1,2.5,null,null,null]]}\n");
  rapidjson::Document d;
  CHECK(!d.Parse(json.out.c_str()).HasParseError());
  // No rows: an empty array, and nothing at all in ndjson.
  CHECK(run_cachedb(db + " sql 'SELECT 1 AS a WHERE 0' --format json").out ==
        "{\"columns\":[\"a\"],\"source\":" + source + ",\"rows\":[]}\n");
  CHECK(run_cachedb(db + " sql 'SELECT 1 AS a WHERE 0' --format ndjson").out.empty());
  CHECK(run_cachedb(db + " sql 'SELECT 1 AS a WHERE 0' --format csv").out == "a\r\n");
  CHECK(run_cachedb(db + " sql 'SELECT 1 AS a WHERE 0'").out == "a\n");
  // Two columns of one name: the line has both, and stderr says a reader keeps one.
  const auto twice = run_cachedb(db + " sql 'SELECT 1 AS a, 2 AS b, 3 AS a' --format ndjson");
  CHECK(twice.out == "{\"a\":1,\"b\":2,\"a\":3}\n");
  CHECK(testing::contains(twice.err, "two columns are named 'a'"));
  CHECK_FALSE(testing::contains(run_cachedb(db + " sql 'SELECT 1 AS a, 2 AS b' --format ndjson").err, "two columns"));
}

TEST_CASE("sql: a BLOB is its SQL literal in text formats and base64 in JSON, never raw bytes") {
  testing::TempDir dir;
  const auto db = ingested(dir);
  // randomblob-like bytes: a NUL, a byte that is not UTF-8, a newline.
  const std::string q = shell_quote("SELECT x'00ff0a41' AS b, x'' AS e, 'x' AS t");
  CHECK(run_cachedb(db + " sql " + q).out == "b            e    t\nX'00FF0A41'  X''  x\n");
  CHECK(run_cachedb(db + " sql " + q + " --csv").out == "b,e,t\r\nX'00FF0A41',X'',x\r\n");
  CHECK(run_cachedb(db + " sql " + q + " --format ndjson").out ==
        "{\"b\":{\"$base64\":true,\"encoded\":\"AP8KQQ==\"},\"e\":{\"$base64\":true,\"encoded\":\"\"},\"t\":\"x\"}\n");
  const auto json = run_cachedb(db + " sql " + q + " --format json");
  rapidjson::Document d;
  REQUIRE(!d.Parse(json.out.c_str()).HasParseError());
  CHECK(std::string(d["rows"][0][0]["encoded"].GetString()) == "AP8KQQ==");
}

TEST_CASE("sql --format table: a row stays one line, control characters escaped, wide text padded as shown") {
  testing::TempDir dir;
  const auto db = ingested(dir);
  const auto r = run_cachedb(db + " sql " + shell_quote("SELECT 'a' || char(10) || 'b' || char(27) AS x, '日本' AS y"));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "x         y\na\\nb\\x1b  日本\n");
}

TEST_CASE("sql --format markdown: what Markdown would read as syntax is escaped, so the table shows the text") {
  testing::TempDir dir;
  const auto db = ingested(dir);
  // A cell's '|' would end it, '<none>' would vanish as an HTML tag, '*' and '`' start emphasis and code.
  const std::string q = "SELECT '<none>|a*b*' AS v, 'x\\y `z` py-typing_extensions ~mpi~' AS w";
  const auto md = run_cachedb(db + " sql " + shell_quote(q) + " --format markdown");
  CHECK(md.exit_code == 0);
  CHECK(md.out.starts_with("| v | w |\n| --- | --- |\n"
                           "| \\<none>\\|a\\*b\\* | x\\\\y \\`z\\` py-typing_extensions \\~mpi\\~ |\n"));
  // An entity, a link, and '_' where it would open or close emphasis (not inside a word).
  const std::string q2 = "SELECT '&lt;b&gt; [link](http://x)' AS v, '_under_ __dunder__ build_system' AS w";
  CHECK(run_cachedb(db + " sql " + shell_quote(q2) + " --format markdown").out.starts_with(
        "| v | w |\n| --- | --- |\n"
        "| \\&lt;b\\&gt; \\[link\\](http://x) | \\_under\\_ \\_\\_dunder\\_\\_ build_system |\n"));
}

TEST_CASE("sql reads the query from stdin (-) or from a file (@path)") {
  testing::TempDir dir;
  const auto db = ingested(dir);
  const std::string query = "-- packages per os\nSELECT os, count(*) AS n\nFROM specs\nWHERE release = :release\n"
                            "GROUP BY os ORDER BY os;\n";
  const auto inline_query = run_cachedb(db + " sql " + shell_quote(query) + " --csv -p release=v1.0");
  REQUIRE(inline_query.exit_code == 0);
  CHECK(inline_query.out.starts_with("os,n\r\nsequoia,1\r\n"));
  const auto from_stdin = run_cachedb_with_input(db + " sql - --csv -p release=v1.0", query);
  CHECK(from_stdin.exit_code == 0);
  CHECK(from_stdin.out == inline_query.out);
  testing::write_text(dir / "q dir" / "query.sql", query);
  // '@' appended, not prefixed with operator+: GCC 12 warns falsely on that (-Wrestrict).
  const auto at = [](const fs::path& p) {
    std::string arg = "@";
    arg += p.string();
    return shell_quote(arg);
  };
  const auto from_file = run_cachedb(db + " sql " + at(dir / "q dir" / "query.sql") +
                                     " --csv -p release=v1.0");
  CHECK(from_file.exit_code == 0);
  CHECK(from_file.out == inline_query.out);
  const auto missing = run_cachedb(db + " sql " + at(dir / "nowhere.sql"));
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("nowhere.sql") != std::string::npos);
  CHECK(run_cachedb_with_input(db + " sql -", "  -- nothing\n").err.find("no statement") != std::string::npos);
  CHECK(run_cachedb_with_input(db + " sql -", "SELECT 1; SELECT 2;").err.find("one statement") != std::string::npos);
}

TEST_CASE("sql parameters: :name, $name, @name and ?N; numbers bound as numbers unless --param-text") {
  testing::TempDir dir;
  const auto db = ingested(dir);
  // typeof() shows how each was bound.
  const std::string q = shell_quote("SELECT typeof(:a), typeof($b), typeof(@c), typeof(?4), :a, $b, @c, ?4");
  const auto r = run_cachedb(db + " sql " + q + " --csv -p a=30 --param b=-2.5e3 -p :c=v1.0 -p 4=007");
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.ends_with("\r\ninteger,real,text,integer,30,-2500.0,v1.0,7\r\n"));
  const auto text = run_cachedb(db + " sql " + q + " --csv --param-text a=30 -p '$b=1e3' -p @c=1.10 --param-text ?4=007");
  CHECK(text.out.ends_with("\r\ntext,real,real,text,30,1000.0,1.1,007\r\n"));
  // Neither an integer nor a finite real: text.
  const auto odd = run_cachedb(db + " sql 'SELECT typeof(?1), typeof(?2), typeof(?3), typeof(?4)' --csv "
                               "-p 1=1e999 -p 2=99999999999999999999 -p 3=' 5' -p 4=0x10");
  CHECK(odd.out.ends_with("\r\ntext,real,text,text\r\n"));
  // Plain '?' by position.
  CHECK(run_cachedb(db + " sql 'SELECT ? + ?' --csv -p 1=2 -p 2=3").out.ends_with("\r\n5\r\n"));
  // The analyst's case: a threshold on a computed count compares as a number.
  const auto having = run_cachedb(db + " sql " +
                                  shell_quote("SELECT os, count(*) AS n FROM specs GROUP BY os HAVING n >= :min ORDER BY os") +
                                  " --csv --param min=4");
  CHECK(having.out == "os,n\r\nubuntu22.04,5\r\nubuntu24.04,4\r\n");
  // Text still matches text columns.
  CHECK(run_cachedb(db + " sql 'SELECT count(*) FROM specs WHERE release = @r' --csv -p r=v1.0").out ==
        "count(*)\r\n5\r\n");
  const auto unknown = run_cachedb(db + " sql 'SELECT $x' -p x=1 -p y=2");
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("no parameter :y") != std::string::npos);
  CHECK(unknown.err.find("its parameters: $x") != std::string::npos);
  const auto unknown_number = run_cachedb(db + " sql 'SELECT ?' -p 2=a");
  CHECK(unknown_number.exit_code == 1);
  CHECK(unknown_number.err.find("sql: --param 2: the query has no ?2 (its parameters: ?1)") != std::string::npos);
  const auto missing = run_cachedb(db + " sql 'SELECT ?1, ?2' -p 1=a");
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("uses ?2") != std::string::npos);
  // One parameter given twice, under any of its spellings: which value was meant cannot be told.
  const auto twice = run_cachedb(db + " sql 'SELECT :x' -p x=1 -p '$x=2'");
  CHECK(twice.exit_code == 1);
  CHECK(twice.out.empty());
  CHECK(twice.err.find("the parameter :x is given twice (--param x=1 and --param $x=2)") != std::string::npos);
  CHECK(run_cachedb(db + " sql 'SELECT ?1' -p 1=1 -p '?01=2'").err.find("?1 is given twice") != std::string::npos);
}

TEST_CASE("sql --timeout stops a query that runs too long, with exit 1") {
  testing::TempDir dir;
  const auto db = ingested(dir);
  // Counts forever without producing a row: only the timeout ends it.
  const auto r = testing::run_child({testing::cachedb_binary(), "--db", (dir / "db.sqlite").string(), "sql",
                                     "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c",
                                     "--timeout", "0.2"},
                                    120);
  CHECK(!r.timed_out);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("stopped by --timeout after 0.2 s") != std::string::npos);
  CHECK(run_cachedb(db + " sql 'SELECT 1' --timeout 30 --csv").out == "1\r\n1\r\n");
}

TEST_SUITE_END();
