// Query results name the ingest run the database was made by in the formats
// that are documents (json, markdown, html), as a report does; csv, tsv,
// ndjson and the table stay the rows alone.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <string>

#include <rapidjson/document.h>
#include <SQLiteCpp/Database.h>

#include "report/query_result.h"
#include "report/source_run.h"
#include "test_support.h"

using namespace cachedb;

namespace {

// What `format` writes for a query of two rows, with `source` as the run.
std::string written(Format format, const std::optional<SourceRun>& source) {
  testing::TempDir dir;
  const auto path = dir / "out";
  {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    {
      RowOutput out(fd, false);
      SQLite::Database db(":memory:");
      const auto writer = make_row_writer(format, out, "SELECT ...", source);
      run_query(db, "SELECT 1 AS n, 'a' AS s UNION ALL SELECT 2, 'b'", {}, *writer);
      out.flush();
    }
    ::close(fd);
  }
  return testing::read_text(path);
}

const SourceRun kRun{12, "2026-12-02T10:40:41Z"};

}  // namespace

TEST_CASE("query results: json, markdown and html name the run; csv, tsv, ndjson and the table are data alone") {
  CHECK(written(Format::Json, kRun) ==
        R"({"columns":["n","s"],"source":{"run_id":12,"finished_at":"2026-12-02T10:40:41Z"},"rows":[[1,"a"],[2,"b"]]})"
        "\n");
  CHECK(written(Format::Markdown, kRun) ==
        "| n | s |\n| ---: | --- |\n| 1 | a |\n| 2 | b |\n\n_Made from ingest run 12, committed 2026-12-02T10:40:41Z._\n");
  const auto html = written(Format::Html, kRun);
  CHECK(html.find("<p class=\"note\">One query&#39;s result. Made from ingest run 12, committed "
                  "2026-12-02T10:40:41Z.</p>") != std::string::npos);
  CHECK(html.find("<pre>SELECT ...</pre>") != std::string::npos);

  // The streams and the table: the same bytes whatever the run.
  CHECK(written(Format::Csv, kRun) == "n,s\r\n1,a\r\n2,b\r\n");
  CHECK(written(Format::Tsv, kRun) == "n\ts\n1\ta\n2\tb\n");
  CHECK(written(Format::Ndjson, kRun) == "{\"n\":1,\"s\":\"a\"}\n{\"n\":2,\"s\":\"b\"}\n");
  CHECK(written(Format::Table, kRun) == "n  s\n1  a\n2  b\n");
  for (auto format : {Format::Csv, Format::Tsv, Format::Ndjson, Format::Table})
    CHECK(written(format, kRun) == written(format, std::nullopt));
}

TEST_CASE("query results from a database no ingest run made: json's source is null, the others say so") {
  const auto json = written(Format::Json, std::nullopt);
  CHECK(json == R"({"columns":["n","s"],"source":null,"rows":[[1,"a"],[2,"b"]]})" "\n");
  rapidjson::Document d;
  CHECK(!d.Parse(json.c_str()).HasParseError());
  CHECK(written(Format::Markdown, std::nullopt).ends_with("| 2 | b |\n\n_Made from no ingest run._\n"));
  CHECK(written(Format::Html, std::nullopt).find("Made from no ingest run.") != std::string::npos);
  CHECK(source_json(std::nullopt) == "null");
  CHECK(source_json(kRun) == R"({"run_id":12,"finished_at":"2026-12-02T10:40:41Z"})");
}
