// The page parser on every variation real pages show, and on each way a page
// can be unreadable.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "error.h"
#include "formats/cache_page/front_matter.h"
#include "formats/cache_page/meta_findings.h"
#include "formats/cache_page/page.h"
#include "parsing/variant.h"
#include "test_support.h"

using namespace cachedb;

namespace {

const char* kSpec =
    R"({"hash": "abc", "compiler": "gcc@=11.4.0", "versions": ["1.3"], "os": "rhel8", "platform": "linux", )"
    R"("target": "zen4", "variants": ["+pic"], "stacks": ["e4s", "root"], "size": "-"})";

std::string page_text(const std::string& details, const std::string& categories = "[package, develop]",
                      const std::string& title = "\"zlib\"") {
  return "---\ntitle: " + title + "\nlayout: cache\ncategories: " + categories +
         "\nmeta: {\"num_specs\": 1}\nspec_details: " + details + "\n---\n";
}

// The line and message of the ParseError that parsing `text` raises.
std::pair<std::size_t, std::string> rejection(const std::string& text) {
  try {
    parse_page(text);
  } catch (const ParseError& e) {
    return {e.line(), e.what()};
  }
  return {0, "<accepted>"};
}

}  // namespace

TEST_CASE("a cache page: title, release, meta and every spec field") {
  Page p = parse_page(page_text(std::string("[") + kSpec + "]"));
  CHECK(p.kind == PageKind::Cache);
  CHECK(p.package == "zlib");
  CHECK(p.release == "develop");
  CHECK(p.meta.num_specs == 1);
  REQUIRE(p.specs.size() == 1);
  const auto& s = p.specs[0];
  CHECK(s.hash == "abc");
  CHECK(s.compiler == "gcc@=11.4.0");
  CHECK(s.os == "rhel8");
  CHECK(s.platform == "linux");
  CHECK(s.target == "zen4");
  CHECK(!s.size.has_value());
  CHECK(s.tarball.empty());
  CHECK(std::vector<std::string_view>(s.versions.begin(), s.versions.end()) == std::vector<std::string_view>{"1.3"});
  CHECK(std::vector<std::string_view>(s.stacks.begin(), s.stacks.end()) ==
        std::vector<std::string_view>{"e4s", "root"});
  CHECK(p.spec_details_line == 6);
}

TEST_CASE("tolerated variations: BOM, CRLF, key order, quoting, sizes, tarball, missing compiler") {
  std::string text =
      "\xEF\xBB\xBF---\r\nlayout: 'cache'\r\nspec_details: [{\"stacks\": [\"root\"], \"target\": \"x86_64_v3\", "
      "\"size\": 42, \"platform\": \"linux\", \"os\": \"ubuntu22.04\", \"hash\": \"h1\", \"tarball\": "
      "\"https://example.invalid/x.spack\"}]\r\ncategories: [\"package\", 'develop-2025-03-23']\r\n"
      "title: py-numpy # the package\r\n---\r\nbody text\r\n";
  Page p = parse_page(text);
  CHECK(p.kind == PageKind::Cache);
  CHECK(p.package == "py-numpy");
  CHECK(p.release == "develop-2025-03-23");
  CHECK(!p.meta.present);
  REQUIRE(p.specs.size() == 1);
  CHECK(p.specs[0].size == 42);
  CHECK(p.specs[0].tarball == "https://example.invalid/x.spack");
  CHECK(p.specs[0].compiler == "none");
  CHECK(p.specs[0].versions.empty());
}

// What a spec must have, and a release that must be named: each missing one
// rejects the page, naming the spec.
TEST_CASE("a page whose spec has an empty hash or no stacks, or whose release is empty, is rejected") {
  auto [line, msg] = rejection(page_text(R"([{"hash": "", "os": "o", "platform": "l", "target": "x", "stacks": []}])"));
  CHECK(line == 6);
  CHECK(msg.find("spec_details[0]: empty 'hash'") != std::string::npos);
  auto [line2, msg2] = rejection(page_text(R"([{"hash": "a", "os": "o", "platform": "l", "target": "x"}])"));
  CHECK(line2 == 6);
  CHECK(msg2.find("spec_details[0] (hash a): missing 'stacks'") != std::string::npos);
  auto [line3, msg3] = rejection(page_text("[]", "[package, \"\"]"));
  CHECK(line3 == 4);
  CHECK(msg3.find("no release") != std::string::npos);
}

TEST_CASE("JSON spread over several lines is read as one value") {
  std::string second = kSpec;
  second.replace(second.find("\"abc\""), 5, "\"def\"");
  Page p = parse_page(page_text(std::string("[\n  ") + kSpec + ",\n  " + second + "\n]"));
  REQUIRE(p.specs.size() == 2);
  CHECK(p.specs[1].hash == "def");
}

TEST_CASE("a hash listed twice on one page is rejected") {
  auto [line, msg] = rejection(page_text(std::string("[") + kSpec + ", " + kSpec + "]"));
  CHECK(line == 6);
  CHECK(msg.find("spec_details[1] (hash abc): the same hash is listed twice") != std::string::npos);
}

TEST_CASE("pages that are not cache pages are told apart, not rejected") {
  CHECK(parse_page("").kind == PageKind::NotCache);
  CHECK(parse_page("# Title\n\nJust markdown\n").kind == PageKind::NotCache);
  CHECK(parse_page("---\nlayout: default\ntitle: Home\n---\n").kind == PageKind::NotCache);
  CHECK(parse_page("---\ntitle: zlib\nlayout: cache\ncategories: [package]\nspec_files: [\"a.spec.json\"]\n---\n")
            .kind == PageKind::Legacy);
}

TEST_CASE("each kind of unreadable cache page is rejected with its line") {
  SUBCASE("bad JSON, with the line it is on") {
    auto [line, msg] = rejection(page_text("[{\"hash\": \"a\",]"));
    CHECK(line == 6);
    CHECK(msg.find("spec_details: invalid JSON") != std::string::npos);
    auto [line2, msg2] = rejection(page_text("[\n{\"hash\": \"a\"\n\"os\": 1}]"));
    CHECK(line2 == 8);
  }
  SUBCASE("spec_details missing or not a list") {
    CHECK(rejection("---\ntitle: zlib\nlayout: cache\ncategories: [package, develop]\n---\n").second.find(
              "no 'spec_details'") != std::string::npos);
    CHECK(rejection(page_text("{\"hash\": \"a\"}")).second.find("must be a JSON list") != std::string::npos);
  }
  SUBCASE("no release") {
    auto [line, msg] = rejection(page_text("[]", "[package]"));
    CHECK(line == 4);
    CHECK(msg.find("no release") != std::string::npos);
    CHECK(rejection(page_text("[]", "package, develop")).second.find("flow list") != std::string::npos);
  }
  SUBCASE("no title") {
    CHECK(rejection("---\nlayout: cache\ncategories: [package, develop]\nspec_details: []\n---\n")
              .second.find("title") != std::string::npos);
  }
  SUBCASE("wrong types") {
    CHECK(rejection(page_text(R"([{"hash": "a", "os": 7, "platform": "linux", "target": "x", "stacks": []}])"))
              .second.find("spec_details[0] (hash a): 'os' must be a string") != std::string::npos);
    CHECK(rejection(page_text(R"([{"hash": "a", "os": "o", "platform": "linux", "target": "x", "stacks": "e4s"}])"))
              .second.find("'stacks' must be a list of strings") != std::string::npos);
    CHECK(rejection(page_text(R"([{"hash": "a", "os": "o", "platform": "l", "target": "x", "stacks": [], "size": []}])"))
              .second.find("'size'") != std::string::npos);
    CHECK(rejection(page_text("[\"abc\"]")).second.find("must be an object") != std::string::npos);
  }
  SUBCASE("a spec without a hash") {
    auto [line, msg] = rejection(page_text(R"([{"os": "o", "platform": "l", "target": "x", "stacks": []}])"));
    CHECK(line == 6);
    CHECK(msg.find("spec_details[0]: missing 'hash'") != std::string::npos);
  }
  SUBCASE("front matter that never closes") {
    auto [line, msg] = rejection("---\ntitle: zlib\nlayout: cache\n");
    CHECK(msg.find("never closed") != std::string::npos);
  }
  SUBCASE("meta that is not JSON") {
    std::string text = page_text("[]");
    text.replace(text.find("{\"num_specs\": 1}"), 16, "{num_specs: 1}");
    auto [line, msg] = rejection(text);
    CHECK(line == 5);
    CHECK(msg.find("meta: invalid JSON") != std::string::npos);
  }
}

TEST_CASE("variants in every form of Spack's syntax") {
  auto v = parse_variant("+mpi");
  CHECK(v.name == "mpi");
  CHECK(v.values == std::vector<std::string>{"true"});
  CHECK(!v.propagate);
  v = parse_variant("~shared");
  CHECK(v.values == std::vector<std::string>{"false"});
  v = parse_variant("++shared");
  CHECK(v.name == "shared");
  CHECK(v.propagate);
  CHECK(v.values == std::vector<std::string>{"true"});
  v = parse_variant("~~fortran");
  CHECK(v.name == "fortran");
  CHECK(v.propagate);
  CHECK(v.values == std::vector<std::string>{"false"});
  v = parse_variant("build_system=cmake");
  CHECK(v.name == "build_system");
  CHECK(v.values == std::vector<std::string>{"cmake"});
  v = parse_variant("libs=shared,static");
  CHECK(v.values == std::vector<std::string>{"shared", "static"});
  v = parse_variant("mpi==openmpi");
  CHECK(v.name == "mpi");
  CHECK(v.propagate);
  CHECK(!v.exact);
  CHECK(v.values == std::vector<std::string>{"openmpi"});
  v = parse_variant("cuda_arch:=80,90");
  CHECK(v.name == "cuda_arch");
  CHECK(v.exact);
  CHECK(v.values == std::vector<std::string>{"80", "90"});
  v = parse_variant("build_type='dm+sm'");
  CHECK(v.values == std::vector<std::string>{"dm+sm"});
  // Spack quotes a list's values joined, and reads every comma as a separator.
  v = parse_variant("languages='c,c++,fortran'");
  CHECK(v.values == std::vector<std::string>{"c", "c++", "fortran"});
  v = parse_variant("note=\"it's\"");
  CHECK(v.values == std::vector<std::string>{"it's"});
  v = parse_variant("q='a\\'b'");
  CHECK(v.values == std::vector<std::string>{"a'b"});
  v = parse_variant("cflags=\"-O2 -g\"");
  CHECK(v.values == std::vector<std::string>{"-O2 -g"});
  CHECK_THROWS_AS(parse_variant(""), ParseError);
  CHECK_THROWS_AS(parse_variant("+"), ParseError);
  CHECK_THROWS_AS(parse_variant("=x"), ParseError);
  CHECK_THROWS_AS(parse_variant("plain"), ParseError);
  CHECK_THROWS_AS(parse_variant("k='open"), ParseError);
}

TEST_CASE("the real pages beside the checkout parse, when they are there" * doctest::test_suite("corpus")) {
  const auto corpus = testing::shared_corpus();
  if (corpus.empty()) {
    MESSAGE("../shared/corpus is absent: skipped");
    return;
  }
  Page p = parse_page(testing::read_text(corpus / "_cache" / "develop" / "py-cachetools" / "specs.md"));
  CHECK(p.kind == PageKind::Cache);
  CHECK(p.release == "develop");
  CHECK(p.specs.size() == static_cast<std::size_t>(*p.meta.num_specs));
}

// spec_details and meta are read from RapidJSON's SAX events, in the page's own
// buffer: what a DOM gave before, they must give, down to the error messages.
TEST_CASE("bad JSON is reported before a problem with an earlier spec") {
  auto [line, msg] = rejection(page_text("[{\"hash\": 1},\n" + std::string(kSpec) + ",\n{]"));
  CHECK(line == 8);
  CHECK(msg == "spec_details: invalid JSON at offset 196, in spec_details[2]: Missing a name for object member.");
  // The same problem in well-formed JSON is the one reported.
  auto [line2, msg2] = rejection(page_text("[{\"hash\": 1},\n" + std::string(kSpec) + "]"));
  CHECK(line2 == 6);
  CHECK(msg2 == "spec_details[0]: 'hash' must be a string");
  // And the first problem, in the list's order, is the one reported.
  auto [line3, msg3] = rejection(page_text(std::string("[") + kSpec + ", {\"hash\": \"x\", \"os\": 1}, 7]"));
  CHECK(line3 == 6);
  CHECK(msg3 == "spec_details[1] (hash x): 'os' must be a string");
  CHECK(rejection(page_text("{\"hash\": \"a\"}")).second == "spec_details: must be a JSON list");
  CHECK(rejection(page_text("[\"abc\"]")).second == "spec_details[0]: must be an object");
  CHECK(rejection(page_text(std::string("[") + kSpec + ", [{}]]")).second == "spec_details[1]: must be an object");
}

TEST_CASE("a bad JSON line is counted in the original text, whatever escapes came before") {
  // In-place parsing turns each \n escape into a line break and moves the text
  // after it: the line must still be that of the page as written.
  const std::string escaped = R"({"hash": "a\n\nb\u000a", "os": "x\ny", "x": ["\n\\n\"\n"]})";
  auto [line, msg] = rejection(page_text("[\n" + escaped + ",\n\n{\"hash\" \"b\"}]"));
  CHECK(line == 9);
  CHECK(msg == "spec_details: invalid JSON at offset 71, in spec_details[1]: Missing a colon after a name of object member.");
  // An escape that is itself bad, on a later line.
  auto [line2, msg2] = rejection(page_text("[\n" + escaped + ",\n{\"hash\": \"b\\q\"}]"));
  CHECK(line2 == 8);
  CHECK(msg2.find("Invalid escape character in string") != std::string::npos);
  // The same in meta.
  std::string text = page_text("[]");
  text.replace(text.find("{\"num_specs\": 1}"), 16, "{\"stacks\": [\"a\\n\\n\"],\n\"num_specs\" 1}");
  auto [line3, msg3] = rejection(text);
  CHECK(line3 == 6);
  CHECK(msg3.find("meta: invalid JSON") == 0);
}

TEST_CASE("spec_details need not be the last field, nor meta come before it") {
  const std::string text = "---\nspec_details: [" + std::string(kSpec) +
                           "]\nmeta: {\"num_specs\": 1, \"stacks\": [\"e4s\", \"root\"]}\ntitle: zlib\n"
                           "layout: cache\ncategories: [package, develop]\n---\nbody\n";
  Page p = parse_page(text);
  CHECK(p.package == "zlib");
  CHECK(p.release == "develop");
  CHECK(p.spec_details_line == 2);
  CHECK(p.meta.num_specs == 1);
  CHECK(p.meta.stacks == std::vector<std::string_view>{"e4s", "root"});
  REQUIRE(p.specs.size() == 1);
  CHECK(p.specs[0].hash == "abc");
  CHECK(std::vector<std::string_view>(p.specs[0].stacks.begin(), p.specs[0].stacks.end()) ==
        std::vector<std::string_view>{"e4s", "root"});
}

TEST_CASE("sizes: an int64 is a size, a larger integer or a fraction is not a number") {
  auto with_size = [](const std::string& size) {
    std::string spec = kSpec;
    spec.replace(spec.find("\"size\": \"-\""), 11, "\"size\": " + size);
    return page_text("[" + spec + "]");
  };
  CHECK(parse_page(with_size("9223372036854775807")).specs[0].size == INT64_C(9223372036854775807));
  CHECK(parse_page(with_size("4294967296")).specs[0].size == INT64_C(4294967296));
  CHECK(parse_page(with_size("0")).specs[0].size == 0);
  CHECK(!parse_page(with_size("null")).specs[0].size);
  CHECK(!parse_page(with_size("\"12x\"")).specs[0].size);
  CHECK(parse_page(with_size("\"12\"")).specs[0].size == 12);
  for (const char* bad : {"9223372036854775808", "18446744073709551615", "18446744073709551616", "1.5", "1e3"}) {
    INFO(bad);
    CHECK(rejection(with_size(bad)).second == "spec_details[0] (hash abc): 'size' must be a whole number of bytes, at most 2^63 - 1, or '-'");
  }
  for (const char* bad : {"true", "[]", "{}"}) {
    INFO(bad);
    CHECK(rejection(with_size(bad)).second == "spec_details[0] (hash abc): 'size' must be a number or '-'");
  }
  for (const char* negative : {"-1", "-9223372036854775808"}) {
    INFO(negative);
    CHECK(rejection(with_size(negative)).second == "spec_details[0] (hash abc): 'size' is negative");
  }
  CHECK(rejection(with_size("-9223372036854775809")).second ==
        "spec_details[0] (hash abc): 'size' must be a whole number of bytes, at most 2^63 - 1, or '-'");
}

TEST_CASE("unknown members are passed over whatever their shape; the first of a repeated key counts") {
  std::string spec = kSpec;
  spec.insert(spec.size() - 1,
              R"(, "deps": {"hash": "x", "os": [1, {"stacks": ["no"]}]}, "more": [[["a"]], {"k": null}], )"
              R"("hash": "later", "stacks": 5, "size": 7, "variants": ["~no"], "n": 1.5, "b": true)");
  Page p = parse_page(page_text("[" + spec + "]"));
  REQUIRE(p.specs.size() == 1);
  const auto& s = p.specs[0];
  CHECK(s.hash == "abc");
  CHECK(!s.size);
  CHECK(std::vector<std::string_view>(s.stacks.begin(), s.stacks.end()) ==
        std::vector<std::string_view>{"e4s", "root"});
  CHECK(std::vector<std::string_view>(s.variants.begin(), s.variants.end()) ==
        std::vector<std::string_view>{"+pic"});
  // A first value that is wrong is not mended by a second one.
  CHECK(rejection(page_text(R"([{"hash": 1, "hash": "a"}])")).second == "spec_details[0]: 'hash' must be a string");
  CHECK(rejection(page_text(R"([{"hash": null, "hash": "a"}])")).second == "spec_details[0]: missing 'hash'");
}

TEST_CASE("a list holds strings only, checked in order") {
  auto with_versions = [](const std::string& versions) {
    std::string spec = kSpec;
    spec.replace(spec.find("[\"1.3\"]"), 7, versions);
    return page_text("[" + spec + "]");
  };
  for (const char* bad : {"[\"1\", [\"2\"]]", "[\"1\", {}]", "[null]", "[1]", "\"1.3\"", "{}", "3"}) {
    INFO(bad);
    CHECK(rejection(with_versions(bad)).second == "spec_details[0] (hash abc): 'versions' must be a list of strings");
  }
  // A string that cannot be stored, before the item that is not a string, is what is reported.
  CHECK(rejection(with_versions("[\"a\\u0000\", 5]")).second ==
        "spec_details[0] (hash abc): 'versions' contains a NUL character");
  CHECK(parse_page(with_versions("null")).specs[0].versions.empty());
  CHECK(parse_page(with_versions("[]")).specs[0].versions.empty());
}

TEST_CASE("meta: the first of a repeated key counts, values of other types are passed over") {
  std::string text = page_text("[]");
  text.replace(text.find("{\"num_specs\": 1}"), 16,
               R"({"num_specs": "x", "num_specs": 3, "num_specs_by_stack": {"a": 1, "b": {"c": 3}, "a": 2, )"
               R"("d": 1.5, "e": 9223372036854775808, "f": [4]}, "num_specs_by_stack": {"z": 9}, )"
               R"("stacks": ["a", ["b"], {"c": "d"}, 1, "e"], "stacks": ["z"], "other": {"stacks": ["y"]}})");
  Page p = parse_page(text);
  CHECK(!p.meta.num_specs);
  CHECK(p.meta.num_specs_by_stack == std::vector<std::pair<std::string_view, std::int64_t>>{{"a", 1}, {"a", 2}});
  CHECK(p.meta.stacks == std::vector<std::string_view>{"a", "e"});
  text = page_text("[]");
  text.replace(text.find("{\"num_specs\": 1}"), 16, "[{\"num_specs\": 1}]");
  CHECK(rejection(text) == std::pair<std::size_t, std::string>{5, "meta: must be a JSON object"});
}

TEST_CASE("a page parsed in its own buffer keeps it, and counts it in its memory") {
  const std::string text = page_text(std::string("[") + kSpec + "]");
  PaddedBuffer bytes(text.size());
  std::memcpy(bytes.data(), text.data(), text.size());
  const char* const buffer = bytes.data();
  Page p = parse_page(std::move(bytes));
  REQUIRE(p.specs.size() == 1);
  CHECK(p.storage.data() == buffer);
  CHECK(p.specs[0].hash.data() >= buffer);
  CHECK(p.specs[0].hash.data() < buffer + text.size());
  CHECK(p.storage.allocated() == text.size() + PaddedBuffer::kPadding);
  CHECK(p.memory_size() >= p.storage.allocated() + sizeof(SpecList::Packed) + 4 * sizeof(TextAt));
  // A page that is not a cache page keeps nothing.
  CHECK(parse_page("---\nlayout: default\ntitle: Home\n---\n").storage.allocated() == 0);
}

TEST_CASE("specs are kept packed and read back as the page wrote them, whatever the order of their members") {
  // Three specs whose lists come in different orders, beside empty and absent
  // texts and sizes: each reads back as its own, not as its neighbour's.
  const std::string details =
      R"([{"stacks": ["s1", "s2"], "variants": ["+a", "b=1,2"], "hash": "h1", "versions": ["1.0"], )"
      R"("os": "o1", "platform": "p1", "target": "t1", "size": 0, "compiler": ""},)"
      R"({"hash": "h2", "versions": ["2.0", "2.1"], "stacks": ["s3"], "os": "o2", "platform": "p2", )"
      R"("target": "t2", "compiler": "gcc@12.2.0", "tarball": "t.spack", "size": 9223372036854775807},)"
      R"({"variants": ["~c"], "os": "", "platform": "p3", "target": "t3", "stacks": [], "hash": "h3"}])";
  Page p = parse_page(page_text(details));
  REQUIRE(p.specs.size() == 3);
  using Texts = std::vector<std::string_view>;
  auto texts = [](const TextList& s) { return Texts(s.begin(), s.end()); };
  std::vector<SpecRecord> all(p.specs.begin(), p.specs.end());
  REQUIRE(all.size() == 3);
  CHECK(all[0].hash == "h1");
  CHECK(all[0].compiler == "none");
  CHECK(all[0].size == 0);
  CHECK(all[0].tarball.empty());
  CHECK(texts(all[0].stacks) == Texts{"s1", "s2"});
  CHECK(texts(all[0].variants) == Texts{"+a", "b=1,2"});
  CHECK(texts(all[0].versions) == Texts{"1.0"});
  CHECK(all[1].hash == "h2");
  CHECK(all[1].compiler == "gcc@12.2.0");
  CHECK(all[1].size == INT64_C(9223372036854775807));
  CHECK(all[1].tarball == "t.spack");
  CHECK(texts(all[1].versions) == Texts{"2.0", "2.1"});
  CHECK(texts(all[1].stacks) == Texts{"s3"});
  CHECK(all[1].variants.empty());
  CHECK(all[2].hash == "h3");
  CHECK(all[2].os.empty());
  CHECK(all[2].target == "t3");
  CHECK(!all[2].size);
  CHECK(texts(all[2].variants) == Texts{"~c"});
  CHECK(all[2].stacks.empty());
  CHECK(all[2].versions.empty());
  CHECK_THROWS_AS(p.specs.at(3), std::out_of_range);
}

TEST_CASE("meta's counts per stack are checked on a page naming many stacks, a repeat within a spec counted once") {
  // 40 stacks: more than a linear search keeps, so the count goes through its map.
  // Spec i lists stacks s<i> and s<i+1>, and s<i> again.
  std::string details = "[", by_stack = "{";
  for (int i = 0; i < 40; ++i) {
    if (i) details += ",";
    details += fmt::format(R"({{"hash": "h{0}", "os": "o", "platform": "p", "target": "t", "stacks": ["s{0}", "s{1}", "s{0}"]}})",
                           i, i + 1);
    // s0 is listed once, s1..s39 twice, s40 once; meta is wrong about s7 and leaves out s40.
    by_stack += fmt::format(R"({}"s{}": {})", i ? ", " : "", i, i == 0 ? 1 : i == 7 ? 3 : 2);
  }
  details += "]";
  by_stack += "}";
  std::string text = page_text(details);
  text.replace(text.find("{\"num_specs\": 1}"), 16, "{\"num_specs\": 40, \"num_specs_by_stack\": " + by_stack + "}");
  Page p = parse_page(text);
  std::vector<Finding> findings;
  check_meta(p, "specs.md", findings);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == "num_specs_by_stack");
  CHECK(findings[0].message ==
        "meta.num_specs_by_stack disagrees: s7 3 in meta, 2 in spec_details, s40 missing from meta, 1 in spec_details");
}

TEST_CASE("meta's stacks are compared on a page naming up to 65,536 stacks, and said not compared beyond") {
  for (std::size_t stacks : {MetaTally::kMaxStacks, MetaTally::kMaxStacks + 1}) {
    CAPTURE(stacks);
    // Two specs, each naming half of them (a list holds at most 65,536).
    std::string lists[2];
    for (std::size_t i = 0; i < stacks; ++i) {
      std::string& list = lists[i < stacks / 2 ? 0 : 1];
      list += fmt::format("{}\"s{}\"", list.empty() ? "" : ",", i);
    }
    auto spec = [](const char* hash, const std::string& list) {
      return fmt::format(R"({{"hash": "{}", "os": "o", "platform": "p", "target": "t", "stacks": [{}]}})", hash, list);
    };
    const std::string text = "---\ntitle: many\nlayout: cache\ncategories: [package, develop]\n"
                             "meta: {\"num_specs\": 2, \"stacks\": [\"s0\"]}\n"
                             "spec_details: [" + spec("h1", lists[0]) + ", " + spec("h2", lists[1]) + "]\n---\n";
    std::vector<Finding> findings;
    check_meta(parse_page(text), "specs.md", findings);
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].kind == "stacks");
    if (stacks == MetaTally::kMaxStacks)
      CHECK(findings[0].message.rfind("meta.stacks disagrees with spec_details: only in spec_details: s1, ", 0) == 0);
    else
      CHECK(findings[0].message == "spec_details names more than 65536 stacks: meta.stacks and "
                                   "meta.num_specs_by_stack were not compared with it");
  }
}

TEST_CASE("a large page's specs and list items are counted first, and given room for exactly them") {
  // Over 4 MiB of spec_details, with what the count must pass over as the
  // reader does: a repeated list key, lists of unknown keys, nested lists
  // under an unknown key, a string beside a list, brackets, quotes and
  // backslashes inside strings, white space before a colon.
  std::string details = "[";
  constexpr int kSpecs = 20'000;
  std::size_t items = 0;
  for (int i = 0; i < kSpecs; ++i) {
    if (i) details += ',';
    details += fmt::format(
        R"({{"junk":["a","b",["c"]],"hash":"h{}","os":"o","platform":"p","target":"t","variants":["+a","~b"],)"
        R"("stacks" :["s{}","root"],"stacks":["ignored","too"],"note":"x\\","versions":["1.{}"],)"
        R"("pad":"\"],[{{\\\"{}"}})",
        i, i % 7, i, std::string(150, 'p'));
    items += 5;
  }
  details += "]";
  REQUIRE(details.size() > (4u << 20));
  Page page = parse_page(page_text(details));
  REQUIRE(page.specs.size() == kSpecs);
  CHECK(page.specs.packed().capacity() == kSpecs);
  CHECK(page.specs.lists().size() == items);
  CHECK(page.specs.lists().capacity() == items);
  CHECK(page.specs.memory_size() == kSpecs * sizeof(SpecList::Packed) + items * sizeof(TextAt));
  CHECK(page.specs[kSpecs - 1].stacks.size() == 2);
  CHECK(page.specs[kSpecs - 1].stacks[1] == "root");

  // Broken JSON is counted as far as it goes, and reported by the reading parse.
  details.back() = ',';
  CHECK(rejection(page_text(details + "{")).second.find("spec_details") != std::string::npos);
}
