// The seam between the walk and the formats: which format takes a file, and
// what a file's bytes turn out to be (one alternative of LoadedFile each).
#include <optional>
#include <string>
#include <variant>

#include <doctest/doctest.h>

#include "formats/registry.h"
#include "ingest/file_loader.h"
#include "page_builder.h"
#include "test_support.h"

using namespace cachedb;

namespace {

const std::string kPage = testing::CachePage("develop", "zlib")
                              .meta(R"({"num_specs": 1})")
                              .spec(testing::SpecEntry("abc").os("ubuntu22.04").target("x86_64"))
                              .text();

// Stored-page lookups that know one fingerprint.
struct OneStoredPage : KnownPages {
  std::string fingerprint;
  std::optional<KnownPage> by_stamp(const std::string&, const FileStamp&) override { return std::nullopt; }
  std::optional<KnownPage> by_content(const std::string& f) override {
    if (f == fingerprint) return KnownPage{7, 8, 9};
    return std::nullopt;
  }
};

}  // namespace

TEST_CASE("the cache page format takes *.md files, and a file named on the command line whatever its name") {
  CHECK(some_format_takes("specs.md"));
  CHECK(some_format_takes("notes.md"));
  CHECK_FALSE(some_format_takes("notes.txt"));
  CHECK_FALSE(some_format_takes("md"));
  CHECK(format_for("/x/_cache/develop/zlib/specs.md").kind() == "cache page");
  CHECK(format_for("/x/page.txt").kind() == "cache page");
  REQUIRE(formats().size() >= 1);
  CHECK(formats()[0]->kind() == "cache page");
}

TEST_CASE("a file's bytes are parsed, known, or rejected, each as its own alternative") {
  SUBCASE("parsed, with the findings its format made") {
    const LoadedFile loaded = load_bytes("/t/develop/zlib/specs.md", kPage, nullptr);
    const auto* parsed = std::get_if<Parsed>(&loaded);
    REQUIRE(parsed);
    CHECK(parsed->path == "/t/develop/zlib/specs.md");
    CHECK(parsed->fingerprint == content_fingerprint(kPage));
    const Page& page = std::get<Page>(parsed->document);
    CHECK(page.kind == PageKind::Cache);
    CHECK(page.package == "zlib");
    REQUIRE(page.specs.size() == 1);
    CHECK(page.specs[0].hash == "abc");
    CHECK(parsed->findings.empty());
    CHECK(memory_size(loaded) == page.memory_size());
  }
  SUBCASE("known by its bytes: not parsed") {
    OneStoredPage stored;
    stored.fingerprint = content_fingerprint(kPage);
    const LoadedFile loaded = load_bytes("/t/specs.md", kPage, &stored);
    const auto* known = std::get_if<Known>(&loaded);
    REQUIRE(known);
    CHECK(known->page.page_id == 7);
    CHECK_FALSE(known->by_stamp);
    CHECK(memory_size(loaded) == 0);
  }
  SUBCASE("empty: rejected") {
    const LoadedFile loaded = load_bytes("/t/specs.md", "", nullptr);
    const auto* rejected = std::get_if<Rejected>(&loaded);
    REQUIRE(rejected);
    CHECK(std::string(rejected->error.what()) == "empty file");
  }
  SUBCASE("not a cache page: parsed and told apart, unless it sits at a cache page's path") {
    const LoadedFile elsewhere = load_bytes("/t/README.md", "# hello\n", nullptr);
    REQUIRE(std::holds_alternative<Parsed>(elsewhere));
    CHECK(std::get<Page>(std::get<Parsed>(elsewhere).document).kind == PageKind::NotCache);
    const LoadedFile at_page_path = load_bytes("/t/develop/zlib/specs.md", "# hello\n", nullptr);
    const auto* rejected = std::get_if<Rejected>(&at_page_path);
    REQUIRE(rejected);
    CHECK(std::string(rejected->error.what()) ==
          "not a cache page (no front matter), at a cache page's path (specs.md)");
    CHECK(path_of(at_page_path) == "/t/develop/zlib/specs.md");
  }
}
