// Ctrl-C during `cachedb sql`: the statement stops, the rows found so far
// come out whole, and the exit status is 130.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "child_process.h"
#include "test_support.h"

using testing::shell_quote;

TEST_CASE("sql: Ctrl-C interrupts the query: whole rows out, no partial line, exit 130" *
          doctest::test_suite("process")) {
  testing::TempDir dir;
  const auto db = dir / "db.sqlite";
  REQUIRE(testing::run_cachedb("--db " + shell_quote(db.string()) + " ingest " +
                               shell_quote(testing::fixture("versions").string()))
              .exit_code == 0);
  const auto out = dir / "out", err = dir / "err";
  const std::string endless = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n, 'text' AS t FROM c";
  for (const char* format : {"csv", "table", "ndjson"}) {
    INFO(std::string(format));
    // Job control on (set -m), so that the job started in the background
    // does not have SIGINT ignored, as an interactive shell's jobs do not.
    const std::string script = "set -m\n" + shell_quote(testing::cachedb_binary()) + " --db " +
                               shell_quote(db.string()) + " sql " + shell_quote(endless) + " --format " + format +
                               " >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string()) +
                               " &\npid=$!\nwhile [ ! -s " + shell_quote(out.string()) +
                               " ]; do sleep 0.05; done\nsleep 0.3\nkill -INT $pid\nwait $pid\necho $?\n";
    const auto r = testing::run_child({"bash", "-c", script}, 60);
    REQUIRE(!r.timed_out);
    CHECK(r.out == "130\n");
    CHECK(testing::read_text(err) == "error: sql: interrupted (Ctrl-C); the rows printed are all it had found\n");
    // Every line whole and in order: 1, 2, 3... up to the last, which ends
    // with its line end.
    const auto text = testing::read_text(out);
    REQUIRE(!text.empty());
    CHECK(text.back() == '\n');
    std::vector<std::string> rows;
    for (std::size_t at = 0; at < text.size();) {
      const auto end = text.find('\n', at);
      rows.push_back(text.substr(at, end - at));
      at = end + 1;
    }
    REQUIRE(rows.size() > 2);
    const bool ndjson = std::string(format) == "ndjson", csv = std::string(format) == "csv";
    const std::size_t first = ndjson ? 0 : 1;  // after the header
    std::size_t wrong = 0;
    std::string first_wrong;
    for (std::size_t i = first; i < rows.size(); ++i) {
      const auto n = std::to_string(i - first + 1);
      const bool ok = csv      ? rows[i] == n + ",text\r"
                      : ndjson ? rows[i] == "{\"n\":" + n + ",\"t\":\"text\"}"
                               : rows[i].ends_with(" text") && rows[i].find(n + " ") != std::string::npos;
      if (!ok && wrong++ == 0) first_wrong = rows[i];
    }
    INFO("first wrong line: " << first_wrong);
    CHECK(wrong == 0);
  }
}
