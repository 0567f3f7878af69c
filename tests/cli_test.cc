// The cachedb binary end to end: arguments, exit codes, what goes to stdout and
// what to stderr.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "page_builder.h"
#include "test_support.h"

using testing::run_cachedb;
using testing::shell_quote;
using testing::SpecEntry;

// Every test here runs the cachedb binary or other processes.
TEST_SUITE_BEGIN("process");

TEST_CASE("ingest then report, through the binary") {
  testing::TempDir dir;
  const std::string db = "--db " + shell_quote((dir / "db.sqlite").string());
  auto ingest = run_cachedb(db + " ingest " + shell_quote(testing::fixture("basic").string()));
  CHECK(ingest.exit_code == 0);
  CHECK(ingest.out.empty());  // stdout is for results only

  auto report = run_cachedb(db + " report --matrix stacks-by-target --format csv --totals");
  CHECK(report.exit_code == 0);
  CHECK(report.out ==
        "stack,aarch64,neoverse_v2,x86_64_v3,total\r\n"
        "e4s,0,0,3,3\r\n"
        "e4s-neoverse-v2,0,1,0,1\r\n"
        "ml-linux-aarch64-cpu,1,0,0,1\r\n"
        "ml-linux-x86_64-cuda,0,0,1,1\r\n"
        "tutorial,0,0,1,1\r\n"
        "total,1,1,4,6\r\n");

  auto table = run_cachedb(db + " report --matrix stacks-by-target");
  CHECK(table.exit_code == 0);
  CHECK(table.out ==
        "stack                 aarch64  neoverse_v2  x86_64_v3\n"
        "e4s                         0            0          3\n"
        "e4s-neoverse-v2             0            1          0\n"
        "ml-linux-aarch64-cpu        1            0          0\n"
        "ml-linux-x86_64-cuda        0            0          1\n"
        "tutorial                    0            0          1\n");
}

TEST_CASE("the database comes from --db, else $CACHEDB_DB, else ./cachedb.sqlite") {
  testing::TempDir dir;
  const auto fixture = shell_quote(testing::fixture("basic").string());
  const std::string via_env = "env CACHEDB_DB=" + shell_quote((dir / "env.sqlite").string()) + " ";
  const std::string cmd = "cd " + shell_quote(dir.path().string()) + " && " + via_env;
  CHECK(std::system((cmd + shell_quote(std::getenv("CACHEDB_BINARY")) + " ingest " + fixture).c_str()) == 0);
  CHECK(std::filesystem::exists(dir / "env.sqlite"));
  CHECK(!std::filesystem::exists(dir / "cachedb.sqlite"));
  const std::string plain = "cd " + shell_quote(dir.path().string()) + " && env -u CACHEDB_DB ";
  CHECK(std::system((plain + shell_quote(std::getenv("CACHEDB_BINARY")) + " ingest " + fixture).c_str()) == 0);
  CHECK(std::filesystem::exists(dir / "cachedb.sqlite"));
}

TEST_CASE("exit codes: 2 when pages are rejected (others committed), 1 when fatal, 64 for usage") {
  testing::TempDir dir;
  const std::string db = "--db " + shell_quote((dir / "db.sqlite").string());
  testing::CachePage("develop", "a").spec(SpecEntry("h1").stacks({"e4s", "root"})).write_to(dir / "tree" / "good.md");
  testing::CachePage("develop", "b").details(R"([{"os": "o"}])").write_to(dir / "tree" / "bad.md");
  auto r = run_cachedb(db + " ingest " + shell_quote((dir / "tree").string()));
  CHECK(r.exit_code == 2);
  // One line naming the file, the line and the reason.
  CHECK(r.err.find((dir / "tree" / "bad.md").string() + ":5: spec_details[0]: missing 'hash'") != std::string::npos);
  auto rep = run_cachedb(db + " report --matrix stacks-by-target --format csv");
  CHECK(rep.out == "stack,t\r\ne4s,1\r\n");

  auto fatal = run_cachedb(db + " ingest " + shell_quote((dir / "does-not-exist").string()));
  CHECK(fatal.exit_code == 1);
  CHECK(fatal.err.find("does-not-exist") != std::string::npos);

  // An unknown matrix is a command-line mistake, like an unknown option.
  auto unknown = run_cachedb(db + " report --matrix nonsense-by-nothing");
  CHECK(unknown.exit_code == 64);
  CHECK(unknown.err.find("unknown matrix") != std::string::npos);

  CHECK(run_cachedb("report --no-such-flag").exit_code == 64);
  CHECK(run_cachedb("").exit_code == 64);
  // An option without its value, in plain words (CLI11 says "1 required UINT:INT >= 1 missing").
  for (const auto& item : std::vector<std::pair<std::string, std::string>>{
           {" report --matrix os-by-target --top", "--top: no value given: give a whole number >= 1"},
           {" report --matrix os-by-target --release", "--release: no value given: give a value"},
           {" sql 'SELECT 1' --timeout", "--timeout: no value given: give a number of seconds > 0"},
           {" report --matrix os-by-target --count", "--count: no value given: give one of specs, packages"}}) {
    const std::string& args = item.first;
    const std::string& said = item.second;
    CAPTURE(args);
    const auto r = run_cachedb(db + args);
    CHECK(r.exit_code == 64);
    CHECK(r.out.empty());
    CHECK(r.err.find("error: " + said + "\n") != std::string::npos);
  }
  auto help = run_cachedb("--help");
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("Exit status") != std::string::npos);
}

TEST_CASE("check validates pages like ingest, writes nothing, and exits 0, 2 or 1") {
  testing::TempDir dir;
  const auto db = dir / "never.sqlite";
  const std::string with_db = "--db " + shell_quote(db.string());
  testing::CachePage("develop", "a")
      .spec(SpecEntry("h1").stacks({"e4s", "root"}))
      .spec(SpecEntry("h2").stacks({"root"}))
      .write_to(dir / "tree" / "develop" / "a" / "specs.md");
  testing::write_text(dir / "tree" / "notes.md", "# not a cache page\n");

  auto good = run_cachedb(with_db + " check " + shell_quote((dir / "tree").string()));
  CHECK(good.exit_code == 0);
  CHECK(good.out.empty());
  CHECK(good.err.find("checked 1 pages (2 spec rows, ") != std::string::npos);
  CHECK(good.err.find("0 rejected, 1 skipped, 0 legacy") != std::string::npos);

  const auto bad = dir / "tree" / "develop" / "b" / "specs.md";
  testing::CachePage("develop", "b").details(R"([{"os": "o"}])").write_to(bad);
  auto rejected = run_cachedb(with_db + " check " + shell_quote((dir / "tree").string()));
  CHECK(rejected.exit_code == 2);
  CHECK(rejected.err.find(bad.string() + ":5: spec_details[0]: missing 'hash'") != std::string::npos);
  CHECK(rejected.err.find("1 rejected") != std::string::npos);

  CHECK(run_cachedb(with_db + " check " + shell_quote((dir / "nowhere").string())).exit_code == 1);
  // No database was opened, let alone created.
  CHECK_FALSE(std::filesystem::exists(db));
}

TEST_CASE("--threads N sets how many threads load pages: any count gives the same database; 0 is refused") {
  testing::TempDir dir;
  // Enough packages that several threads have work: 3 releases of 40 packages.
  for (const char* release : {"develop", "v0.22", "v0.23"})
    for (int p = 0; p < 40; ++p) {
      const std::string name = "pkg" + std::to_string(p);
      testing::CachePage(release, name)
          .spec(SpecEntry(name + "h").target(fmt::format("t{}", p % 3)).stacks({"e4s", "root"}))
          .write_to(dir / "tree" / release / name / "specs.md");
    }
  const std::string tree = shell_quote((dir / "tree").string());
  std::string reports[2];
  int i = 0;
  for (const char* threads : {"1", "5"}) {
    const std::string db = "--db " + shell_quote((dir / (std::string("t") + threads + ".sqlite")).string());
    auto ingest = run_cachedb(db + " -q ingest --threads " + threads + " " + tree);
    INFO("stderr: " << ingest.err);
    CHECK(ingest.exit_code == 0);
    auto report = run_cachedb(db + " sql --format csv \"SELECT release, package, hash, target FROM specs ORDER BY 1, 2\"");
    CHECK(report.exit_code == 0);
    reports[i++] = report.out;
  }
  CHECK(reports[0].find("develop,pkg0,pkg0h,t0") != std::string::npos);
  CHECK(reports[0] == reports[1]);
  CHECK(run_cachedb("check --threads 2 " + tree).exit_code == 0);
  CHECK(run_cachedb("ingest --threads 0 " + tree).exit_code == 64);
  CHECK(run_cachedb("check --threads 0 " + tree).exit_code == 64);
}

namespace {

// The matrix fixture ingested into `dir`/db.sqlite; returns its path, quoted.
std::string ingested_db(const testing::TempDir& dir) {
  const std::string path = shell_quote((dir / "db.sqlite").string());
  REQUIRE(run_cachedb("--db " + path + " -q ingest " + shell_quote(testing::fixture("matrix").string())).exit_code == 0);
  return path;
}

}  // namespace

TEST_CASE("every bad command line exits 64, with the reason in plain words on stderr") {
  testing::TempDir dir;
  const std::string db = "--db " + ingested_db(dir);
  struct Case {
    const char* args;
    const char* says;
  };
  for (const Case& c : {
           Case{" report --matrix os-by-target --format xlsx", "xlsx"},
           Case{" sql 'SELECT 1' --format xlsx", "xlsx"},
           Case{" report --matrix os-by-colour", "unknown dimension 'colour'"},
           Case{" report --matrix os-by-target --filter colour=red", "unknown dimension 'colour'"},
           Case{" report --matrix os-by-target --filter os", "expected DIMENSION=VALUE"},
           Case{" report --matrix os-by-target --filter", "--filter"},
           Case{" report --matrix os-by-os", "same dimension twice"},
           Case{" report", "--matrix"},
           Case{" sql 'SELECT :x' --param x", "expected NAME=VALUE"},
           Case{" sql 'SELECT :x' --param =1", "expected NAME=VALUE"},
           Case{" sql 'SELECT 1' --csv --json", "excludes"},
           Case{" sql 'SELECT 1' --format csv --tsv", "excludes"},
           Case{" sql 'SELECT 1' --timeout 0", "seconds"},
           Case{" sql 'SELECT 1' --timeout soon", "seconds"},
           Case{" sql", "query"},
           Case{" runs -n 0", "0 is too small: give a whole number, 1 or more"},
           Case{" runs --limit -3", "-3 is too small"},
           Case{" runs --limit many", "'many' is not a whole number"},
           Case{" runs --notes -2", "-2 is too small: give a whole number, -1 or more"},
           Case{" runs --run 0", "0 is too small"},
           Case{" ingest --threads 0 x", "0 is too small: give a whole number from 1 to 1024"},
           Case{" check --max-page-bytes 0 x", "0 is too small: give a whole number, 1 or more"},
           Case{" ingest --max-page-bytes 4294967296 x", "4294967296 is too large: give a whole number, 1 or more (at most 4294967295)"},
           Case{" --color sometimes schema", "sometimes"},
           Case{" schema --no-such-flag", "--no-such-flag"},
           Case{" repot --matrix os-by-target",
                "'repot' is not a cachedb command (the commands: ingest, check, report"},
           Case{"", "give a command (the commands: ingest, check, report"},
           Case{" -q", "give a command (the commands: ingest, check, report"},
           Case{" --bogus", "--bogus: not an option of cachedb itself; an option of a command goes after it"},
           Case{" -q --top=3", "--top: not an option of cachedb itself"},
           Case{" -qv", "give a command (the commands: ingest, check, report"},
           Case{" -xq", "-x: not an option of cachedb itself"},
       }) {
    INFO(std::string(c.args));
    const auto r = run_cachedb(db + c.args);
    CHECK(r.exit_code == 64);
    CHECK(r.out.empty());
    INFO("stderr: " << r.err);
    CHECK(r.err.find(c.says) != std::string::npos);
    // One line saying what is wrong, as every error is said, then where to look.
    CHECK(r.err.starts_with("error: "));
    CHECK(r.err.ends_with("\nRun with --help for more information.\n"));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 2);
    // No 300-digit bound of a double ('not in range 2.22507e-308 to 1.79769e+308...').
    CHECK(r.err.find("e+308") == std::string::npos);
    CHECK(r.err.find("179769313486231570") == std::string::npos);
  }
}

TEST_CASE("global options are taken after the command's name as well as before it") {
  testing::TempDir dir;
  const std::string path = ingested_db(dir);
  const auto before = run_cachedb("--db " + path + " report --matrix os-by-target --format csv");
  REQUIRE(before.exit_code == 0);
  const auto after = run_cachedb("report --matrix os-by-target --format csv --db " + path);
  CHECK(after.exit_code == 0);
  CHECK(after.out == before.out);
  CHECK(run_cachedb("sql 'SELECT count(*) FROM specs' --csv --db " + path).out == "count(*)\r\n12\r\n");
  CHECK(run_cachedb("runs --db " + path + " -q --json").exit_code == 0);
  // -q after the command silences the warning; -v after it adds details.
  const auto quiet = run_cachedb("report --matrix os-by-target --release nowhere --db " + path + " -q");
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.err.empty());
  CHECK(run_cachedb("report --matrix os-by-target --release nowhere --db " + path).err.find("matches nothing") !=
        std::string::npos);
  const auto verbose = run_cachedb("ingest " + shell_quote(testing::fixture("matrix").string()) + " --db " + path + " -v");
  CHECK(verbose.exit_code == 0);
  CHECK(verbose.err.find("info: ") != std::string::npos);
}

TEST_CASE("--version prints the name and version and exits 0") {
  const auto r = run_cachedb("--version");
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("cachedb "));
  CHECK(r.out.find_first_of("0123456789") == 8);
}

TEST_CASE("each command's --help ends with its own exit statuses") {
  for (const char* command : {"ingest", "check", "report", "runs", "sql", "schema", "export"}) {
    INFO(std::string(command));
    const auto r = run_cachedb(std::string(command) + " --help");
    CHECK(r.exit_code == 0);
    const auto at = r.out.rfind("Exit status:");
    REQUIRE(at != std::string::npos);
    CHECK(r.out.find("64 bad command line", at) != std::string::npos);
  }
  CHECK(run_cachedb("--help").out.find("may also follow the command") != std::string::npos);
}

TEST_CASE("--csv, --tsv and --json are shorthands for --format") {
  testing::TempDir dir;
  const std::string db = "--db " + ingested_db(dir);
  for (const char* format : {"csv", "tsv", "json"}) {
    INFO(std::string(format));
    const std::string report = db + " report --matrix os-by-target --totals";
    CHECK(run_cachedb(report + " --" + format).out == run_cachedb(report + " --format " + format).out);
    const std::string sql = db + " sql 'SELECT os, count(*) AS n FROM specs GROUP BY os'";
    CHECK(run_cachedb(sql + " --" + format).out == run_cachedb(sql + " --format " + format).out);
  }
  CHECK(run_cachedb(db + " sql 'SELECT 1 AS a' --nl").out == "{\"a\":1}\n");
}

TEST_CASE("runs: --run N names a run that exists, else exit 1 saying so") {
  testing::TempDir dir;
  const std::string db = "--db " + ingested_db(dir);
  const auto one = run_cachedb(db + " runs --run 1 --json");
  CHECK(one.exit_code == 0);
  CHECK(one.out.starts_with("[{\"id\":1,"));
  const auto none = run_cachedb(db + " runs --run 99");
  CHECK(none.exit_code == 1);
  CHECK(none.out.empty());
  CHECK(none.err.find("there is no run 99") != std::string::npos);
}

TEST_CASE("--color: log levels and a table's dimmed zeros follow --color, $NO_COLOR and $TERM") {
  testing::TempDir dir;
  const std::string path = ingested_db(dir);
  const std::string report = " report --matrix os-by-target --release nowhere2 --db " + path;
  const std::string table = " report --matrix os-by-target --db " + path;
  const std::string dim = "\x1b[2m";
  // Not a terminal: no colour unless asked for.
  CHECK(run_cachedb(report).err.starts_with("warning: "));
  CHECK(run_cachedb(table).out.find(dim) == std::string::npos);
  CHECK(run_cachedb("--color always" + report).err.find("\x1b[") != std::string::npos);
  CHECK(run_cachedb("--color always" + table).out.find(dim) != std::string::npos);
  CHECK(run_cachedb(table + " --color always").out.find(dim) != std::string::npos);
  CHECK(run_cachedb("--color never" + table).out.find(dim) == std::string::npos);

  // On a terminal (script(1) gives one): colour, unless NO_COLOR or TERM=dumb.
  if (std::system("command -v script >/dev/null 2>&1") != 0) {
    MESSAGE("script(1) is not installed: skipping the terminal half");
    return;
  }
  const auto on_tty = [&](const std::string& env, const std::string& args) {
    const std::string inner = env + " " + shell_quote(std::getenv("CACHEDB_BINARY")) + args;
    const auto out = dir / "tty.out";
    const std::string cmd = "script -qec " + shell_quote(inner) + " /dev/null >" + shell_quote(out.string()) +
                            " 2>&1 </dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    return testing::read_text(out);
  };
  CHECK(on_tty("env -u NO_COLOR TERM=xterm", table).find(dim) != std::string::npos);
  CHECK(on_tty("env TERM=xterm NO_COLOR=1", table).find(dim) == std::string::npos);
  CHECK(on_tty("env -u NO_COLOR TERM=dumb", table).find(dim) == std::string::npos);
  CHECK(on_tty("env TERM=xterm NO_COLOR=1", table + " --color always").find(dim) != std::string::npos);
  CHECK(on_tty("env -u NO_COLOR TERM=xterm", table + " --color never").find(dim) == std::string::npos);
}

TEST_SUITE_END();
