// The cachedb binary end to end: arguments, exit codes, what goes to stdout and
// what to stderr.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "test_support.h"

using testing::run_cachedb;
using testing::shell_quote;

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
  testing::write_text(dir / "tree" / "good.md",
                      "---\ntitle: a\nlayout: cache\ncategories: [package, develop]\n"
                      "spec_details: [{\"hash\": \"h1\", \"os\": \"o\", \"platform\": \"linux\", \"target\": \"t\", "
                      "\"stacks\": [\"e4s\", \"root\"]}]\n---\n");
  testing::write_text(dir / "tree" / "bad.md",
                      "---\ntitle: b\nlayout: cache\ncategories: [package, develop]\n"
                      "spec_details: [{\"os\": \"o\"}]\n---\n");
  auto r = run_cachedb(db + " ingest " + shell_quote((dir / "tree").string()));
  CHECK(r.exit_code == 2);
  // One line naming the file, the line and the reason.
  CHECK(r.err.find((dir / "tree" / "bad.md").string() + ":5: spec_details[0]: missing 'hash'") != std::string::npos);
  auto rep = run_cachedb(db + " report --matrix stacks-by-target --format csv");
  CHECK(rep.out == "stack,t\r\ne4s,1\r\n");

  auto fatal = run_cachedb(db + " ingest " + shell_quote((dir / "does-not-exist").string()));
  CHECK(fatal.exit_code == 1);
  CHECK(fatal.err.find("does-not-exist") != std::string::npos);

  auto unknown = run_cachedb(db + " report --matrix nonsense-by-nothing");
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("unknown matrix") != std::string::npos);

  CHECK(run_cachedb("report --no-such-flag").exit_code == 64);
  CHECK(run_cachedb("").exit_code == 64);
  auto help = run_cachedb("--help");
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("Exit status") != std::string::npos);
}

TEST_CASE("check validates pages like ingest, writes nothing, and exits 0, 2 or 1") {
  testing::TempDir dir;
  const auto db = dir / "never.sqlite";
  const std::string with_db = "--db " + shell_quote(db.string());
  testing::write_text(dir / "tree" / "develop" / "a" / "specs.md",
                      "---\ntitle: a\nlayout: cache\ncategories: [package, develop]\n"
                      "spec_details: [{\"hash\": \"h1\", \"os\": \"o\", \"platform\": \"linux\", \"target\": \"t\", "
                      "\"stacks\": [\"e4s\", \"root\"]}, {\"hash\": \"h2\", \"os\": \"o\", \"platform\": \"linux\", "
                      "\"target\": \"t\", \"stacks\": [\"root\"]}]\n---\n");
  testing::write_text(dir / "tree" / "notes.md", "# not a cache page\n");

  auto good = run_cachedb(with_db + " check " + shell_quote((dir / "tree").string()));
  CHECK(good.exit_code == 0);
  CHECK(good.out.empty());
  CHECK(good.err.find("checked 1 pages (2 spec rows, ") != std::string::npos);
  CHECK(good.err.find("0 rejected, 1 skipped, 0 legacy") != std::string::npos);

  const auto bad = dir / "tree" / "develop" / "b" / "specs.md";
  testing::write_text(bad, "---\ntitle: b\nlayout: cache\ncategories: [package, develop]\n"
                           "spec_details: [{\"os\": \"o\"}]\n---\n");
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
      testing::write_text(dir / "tree" / release / name / "specs.md",
                          "---\ntitle: " + name + "\nlayout: cache\ncategories: [package, " + release +
                              "]\nspec_details: [{\"hash\": \"" + name + "h\", \"os\": \"o\", \"platform\": \"linux\", "
                              "\"target\": \"t" + std::to_string(p % 3) + "\", \"stacks\": [\"e4s\", \"root\"]}]\n---\n");
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

TEST_SUITE_END();
