// Pages written to hurt: deep nesting, NUL bytes, invalid UTF-8, huge numbers,
// huge strings where names belong, SQL in values. Each is rejected with a
// message that says what is wrong (and the line), or, for SQL, stored verbatim.
#include <doctest/doctest.h>

#include <string>

#include <SQLiteCpp/Database.h>

#include "error.h"
#include "formats/cache_page/page.h"
#include "ingest/ingester.h"
#include "parsing/text_limits.h"
#include "storage/database.h"
#include "page_builder.h"
#include "test_support.h"

using namespace cachedb;

using testing::contains;
using testing::rejection;

namespace {

// A spec whose hash is the JSON `hash` (a string or anything else), with `extra` keys.
std::string spec(const std::string& hash = "\"h1\"", const std::string& extra = "") {
  return testing::SpecEntry("").hash_json(hash).os("rhel8").target("zen4").extra(extra).json();
}

// A page whose spec_details, title and categories are written as given.
std::string page(const std::string& details, const std::string& title = "zlib",
                 const std::string& categories = "[package, develop]") {
  return testing::CachePage("develop", "zlib").title(title).categories(categories).details(details).text();
}

// "[item]", built by appending: GCC 12 warns falsely (-Wrestrict) on "[" + item.
std::string list(const std::string& item) {
  std::string out = "[";
  out += item;
  out += "]";
  return out;
}

}  // namespace

TEST_CASE("JSON nested 100,000 deep is rejected without exhausting the stack") {
  // A recursive parser needs a stack frame per level: 100,000 of them overflow
  // the default 8 MiB stack. RapidJSON's iterative mode uses the heap instead.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  SUBCASE("as spec_details") {
    auto [line, msg] = rejection(page(deep));
    CHECK(line == 5);
    CHECK(msg == "spec_details[0]: must be an object");
  }
  SUBCASE("inside a spec") {
    auto [line, msg] = rejection(page("[" + spec("\"h1\"", ", \"variants\": " + deep) + "]"));
    CHECK(contains(msg, "(hash h1): 'variants' must be a list of strings"));
  }
  SUBCASE("objects, as meta") {
    std::string objects;
    for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
    objects += "1" + std::string(100000, '}');
    const std::string text = "---\ntitle: zlib\nlayout: cache\ncategories: [package, develop]\nmeta: " + objects +
                             "\nspec_details: [" + spec() + "]\n---\n";
    // Deep but well-formed meta is only advisory: the page is read.
    CHECK(parse_page(text).specs.size() == 1);
  }
}

TEST_CASE("NUL bytes are rejected wherever they are") {
  SUBCASE("in the title") {
    auto [line, msg] = rejection(page("[" + spec() + "]", std::string("zl\0ib", 5)));
    CHECK(line == 2);
    CHECK(msg == "title (the package name) contains a NUL character");
  }
  SUBCASE("in the release") {
    auto [line, msg] = rejection(page("[" + spec() + "]", "zlib", std::string("[package, dev\0elop]", 19)));
    CHECK(line == 4);
    CHECK(msg == "categories: the release contains a NUL character");
  }
  SUBCASE("after the spec_details JSON, where in-situ parsing would stop reading") {
    auto [line, msg] = rejection(page("[" + spec() + "]" + std::string("\0, {\"hash\": 2}]", 16)));
    CHECK(line == 5);
    CHECK(contains(msg, "spec_details: NUL byte at offset"));
  }
  SUBCASE("raw, inside a JSON string") {
    auto [line, msg] = rejection(page("[" + spec(std::string("\"h\0\"", 4)) + "]"));
    CHECK(contains(msg, "NUL byte"));
  }
  SUBCASE("escaped as \\u0000 inside a JSON string") {
    auto [line, msg] = rejection(page("[" + spec("\"h1\"", ", \"tarball\": \"a\\u0000b\"") + "]"));
    CHECK(msg == "spec_details[0] (hash h1): 'tarball' contains a NUL character");
  }
  SUBCASE("escaped as \\u0000 in an item of a list, after a good one: the list's first bad item is named") {
    // A page's texts are kept as offsets to NUL-terminated strings: an item cut
    // short by its NUL must be rejected, not stored as its first part.
    auto [line, msg] = rejection(page("[" + spec("\"h1\"", ", \"variants\": [\"+a\", \"+b\\u0000c\", \"" +
                                                              std::string(20000, 'v') + "\"]") + "]"));
    CHECK(msg == "spec_details[0] (hash h1): 'variants' contains a NUL character");
    std::tie(line, msg) = rejection(page("[" + spec("\"h1\"", ", \"variants\": [\"+a\", \"" + std::string(20000, 'v') +
                                                              "\", \"+b\\u0000c\"]") + "]"));
    CHECK(msg == "spec_details[0] (hash h1): 'variants' is 20000 bytes, over the 16384-byte limit");
    std::tie(line, msg) = rejection(page("[" + spec("\"h\\u0000\"") + "]"));
    CHECK(msg == "spec_details[0]: 'hash' contains a NUL character");
  }
}

TEST_CASE("invalid UTF-8 never reaches the database") {
  SUBCASE("in a bare title") {
    CHECK(rejection(page("[" + spec() + "]", "zl\xFFib")).second == "title (the package name) is not valid UTF-8");
  }
  SUBCASE("in a quoted release") {
    CHECK(rejection(page("[" + spec() + "]", "zlib", "[package, \"dev\xC0\xAF\"]")).second ==
          "categories: the release is not valid UTF-8");
  }
  SUBCASE("raw in a JSON string") {
    CHECK(contains(rejection(page("[" + spec("\"h\xED\xA0\x80\"") + "]")).second, "spec_details: invalid UTF-8 at offset"));
  }
  SUBCASE("a lone surrogate spelled as an escape") {
    auto msg = rejection(page("[" + spec("\"h1\"", ", \"versions\": [\"1.\\udc00\"]") + "]")).second;
    CHECK((msg == "spec_details[0] (hash h1): 'versions' is not valid UTF-8" ||
           contains(msg, "surrogate")));
  }
  SUBCASE("valid non-ASCII text is fine") {
    Page p = parse_page(page("[" + spec("\"h1\"", ", \"versions\": [\"1.0-\xC3\xA9t\xC3\xA9\"]") + "]", "zlib-\xE2\x9C\x93"));
    CHECK(p.package == "zlib-\xE2\x9C\x93");
    REQUIRE(p.specs.at(0).versions.size() == 1);
    CHECK(p.specs.at(0).versions[0] == "1.0-\xC3\xA9t\xC3\xA9");
  }
}

TEST_CASE("UTF-8 validation") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ASCII, long enough to take the eight-byte path"));
  CHECK(is_valid_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));     // é € 😀
  CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF"));                         // U+10FFFF
  CHECK_FALSE(is_valid_utf8("\x80"));                                // a continuation byte first
  CHECK_FALSE(is_valid_utf8("\xC0\x80"));                            // overlong NUL
  CHECK_FALSE(is_valid_utf8("\xE0\x80\xAF"));                        // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));                        // a surrogate
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));                    // above U+10FFFF
  CHECK_FALSE(is_valid_utf8("abcdefgh\xE2\x82"));                    // truncated at the end

  // Where the first bad sequence starts, past the eight-byte ASCII path too.
  CHECK(first_invalid_utf8("plain ASCII, long enough") == std::nullopt);
  CHECK(first_invalid_utf8("\x80") == 0u);
  CHECK(first_invalid_utf8("abcdefgh\xE2\x82") == 8u);
  CHECK(first_invalid_utf8("ab\xC3\xA9" "cdefghijk\xED\xA0\x80z") == 13u);
}

TEST_CASE("enormous numbers where a size belongs are rejected") {
  // (Appended, not concatenated with +: GCC 12 warns falsely, -Wrestrict.)
  auto msg = [](const std::string& size) {
    std::string extra = ", \"size\": ";
    extra += size;
    return rejection(page(list(spec("\"h1\"", extra)))).second;
  };
  CHECK(contains(msg("1e400"), "invalid JSON at offset "));
  CHECK(contains(msg("1e400"), ", in spec_details[0].size: Number too big to be stored in double"));
  CHECK(msg("1e300") == "spec_details[0] (hash h1): 'size' must be a whole number of bytes, at most 2^63 - 1, or '-'");
  CHECK(msg("18446744073709551615") == "spec_details[0] (hash h1): 'size' must be a whole number of bytes, at most 2^63 - 1, or '-'");
  CHECK(msg("123456789012345678901234567890") == "spec_details[0] (hash h1): 'size' must be a whole number of bytes, at most 2^63 - 1, or '-'");
  CHECK(msg("-1") == "spec_details[0] (hash h1): 'size' is negative");
  // A size written as a long string of digits is unknown, never a wrapped-around number.
  std::string digits = ", \"size\": \"";
  digits.append(1 << 20, '9').append("\"");
  Page p = parse_page(page(list(spec("\"h1\"", digits))));
  CHECK_FALSE(p.specs.at(0).size.has_value());
  CHECK(contains(rejection("---\ntitle: z\nlayout: cache\ncategories: [p, d]\nmeta: {\"num_specs\": 1e400}\n"
                           "spec_details: []\n---\n").second,
                 "meta: invalid JSON"));
}

TEST_CASE("bad JSON inside a spec names the spec, and the member when the error is in its value") {
  auto msg = [](const std::string& details) { return rejection(page(details)).second; };
  auto place = [](const std::string& message) {
    const auto from = message.find(", in "), to = message.find(": ", from);
    return from == std::string::npos ? std::string("<none>") : message.substr(from + 5, to - from - 5);
  };
  const std::string two = spec("\"h1\"") + ", " + spec("\"h2\"", ", \"size\": 1e400");
  CHECK(place(msg(list(two))) == "spec_details[1].size");
  CHECK(place(msg("[7, \"x\", " + spec("\"h2\"", ", \"size\": 1e400") + "]")) == "spec_details[2].size");
  // In a list member's items; an escape that is no escape in a string.
  CHECK(place(msg(list(spec("\"h1\"", ", \"variants\": [\"+mpi\", 1e999]")))) == "spec_details[0].variants");
  CHECK(place(msg(list(spec("\"h1\"", ", \"tarball\": \"a\\qb\"")))) == "spec_details[0].tarball");
  // Between members, or in a key: the spec alone.
  CHECK(place(msg(list(spec("\"h1\"", ", \"size\": 1 \"x\": 2")))) == "spec_details[0]");
  CHECK(place(msg(list(spec("\"h1\"", ", \"size\": 1, \"x\\q\": 2")))) == "spec_details[0]");
  // A member cachedb does not read is not named (its name could be anything).
  CHECK(place(msg(list(spec("\"h1\"", ", \"extra\": 1e999")))) == "spec_details[0]");
  // After a spec that breaks a rule (held until the JSON has parsed).
  const std::string after_bad = spec("\"h1\"", ", \"size\": -1") + ", " + spec("\"h2\"", ", \"size\": 1e400");
  CHECK(place(msg(list(after_bad))) == "spec_details[1].size");
  // Outside every spec: no place but the offset.
  CHECK(place(msg("[" + spec() + "] x")) == "<none>");
  CHECK(place(msg("[" + spec() + " " + spec("\"h2\"") + "]")) == "<none>");
}

TEST_CASE("enormous strings where small ones belong are rejected with the limit") {
  SUBCASE("a 10 MB hash") {
    auto [line, msg] = rejection(page("[" + spec("\"" + std::string(10 << 20, 'a') + "\"") + "]"));
    CHECK(line == 5);
    CHECK(msg == "spec_details[0]: 'hash' is 10485760 bytes, over the 128-byte limit");
  }
  SUBCASE("a 1 MB package name") {
    CHECK(rejection(page("[" + spec() + "]", std::string(1 << 20, 'z'))).second ==
          "title (the package name) is 1048576 bytes, over the 256-byte limit");
  }
  SUBCASE("a 1 MB release") {
    CHECK(rejection(page("[" + spec() + "]", "zlib", "[package, " + std::string(1 << 20, 'r') + "]")).second ==
          "categories: the release is 1048576 bytes, over the 256-byte limit");
  }
  SUBCASE("a 1 MB stack, variant, os") {
    const std::string big = "\"" + std::string(1 << 20, 's') + "\"";
    CHECK(rejection(page("[" + spec("\"h1\"", ", \"variants\": [" + big + "]") + "]")).second ==
          "spec_details[0] (hash h1): 'variants' is 1048576 bytes, over the 16384-byte limit");
    CHECK(contains(rejection(page("[{\"hash\": \"h1\", \"os\": " + big +
                                  ", \"platform\": \"l\", \"target\": \"t\", \"stacks\": []}]")).second,
                   "'os' is 1048576 bytes, over the 256-byte limit"));
    CHECK(contains(rejection(page("[{\"hash\": \"h1\", \"os\": \"o\", \"platform\": \"l\", \"target\": \"t\", "
                                  "\"stacks\": [" + big + "]}]")).second,
                   "'stacks' is 1048576 bytes, over the 256-byte limit"));
  }
  SUBCASE("right at the limits is fine") {
    Page p = parse_page(page("[" + spec("\"" + std::string(limits::kHash, 'a') + "\"") + "]",
                             std::string(limits::kName, 'z')));
    CHECK(p.specs.at(0).hash.size() == limits::kHash);
  }
}

TEST_CASE("a spec's list may hold 65,536 items; one more rejects the page, naming the list") {
  // The writer holds one spec's lists whole: millions of stacks in one spec
  // would take hundreds of MB there.
  auto items = [](std::size_t n) {
    std::string out = "[";
    for (std::size_t i = 0; i < n; ++i) out += i ? ",\"+x\"" : "\"+x\"";
    return out + "]";
  };
  Page p = parse_page(page(list(spec("\"h1\"", ", \"variants\": " + items(limits::kListItems)))));
  CHECK(p.specs.at(0).variants.size() == limits::kListItems);
  CHECK(rejection(page(list(spec("\"h1\"", ", \"variants\": " + items(limits::kListItems + 1))))).second ==
        "spec_details[0] (hash h1): 'variants' lists more than 65536 items");
  CHECK(rejection(page(list(spec("\"h1\"", ", \"versions\": " + items(3'000'000))))).second ==
        "spec_details[0] (hash h1): 'versions' lists more than 65536 items");
  // A bad item before the limit is the one named.
  CHECK(rejection(page(list(spec("\"h1\"", ", \"versions\": [\"" + std::string(300, 'v') + "\"," +
                                                  items(limits::kListItems + 5).substr(1))))).second ==
        "spec_details[0] (hash h1): 'versions' is 300 bytes, over the 256-byte limit");
}

TEST_CASE("a front matter that never closes, and an empty file, are rejected") {
  auto [line, msg] = rejection("---\ntitle: zlib\nlayout: cache\nspec_details: []\n");
  CHECK(line == 4);
  CHECK(msg == "front matter opened on line 1 is never closed with '---'");
  CHECK(rejection("---").second == "front matter opened on line 1 is never closed with '---'");

  testing::TempDir dir;
  testing::write_text(dir / "tree" / "specs.md", "");
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  auto s = ingest(db, {dir / "tree"}, {});
  REQUIRE(s.rejections.size() == 1);
  CHECK(s.rejections[0].path == (dir / "tree" / "specs.md").string());
  CHECK(s.rejections[0].message == "empty file");
  CHECK(s.exit_code() == 2);
}

TEST_CASE("values that look like SQL are stored verbatim and the tables stay") {
  const std::string evil = "e4s'; DROP TABLE spec; --";
  const std::string evil2 = "x\"); DELETE FROM release_spec; --";
  testing::TempDir dir;
  testing::write_text(dir / "p.md",
                      "---\ntitle: \"" + evil2 + "\"\nlayout: cache\ncategories: [package, \"" + evil +
                          "\"]\nmeta: {\"note\": \"'); DROP TABLE page; --\"}\nspec_details: [{\"hash\": \"" + evil +
                          "\", \"os\": \"" + evil + "\", \"platform\": \"linux\", \"target\": \"t\", \"variants\": "
                          "[\"+shared\", \"cflags='-O2; DROP TABLE spec; --'\"], \"versions\": [\"1'\"], \"stacks\": [\"" + evil + "\"]}]\n---\n");
  auto db = open_database(dir / "db.sqlite", OpenMode::ReadWrite);
  auto s = ingest(db, {dir / "p.md"}, {});
  CHECK(s.exit_code() == 0);
  CHECK(s.specs_added == 1);
  SQLite::Statement q(db, "SELECT release, package, hash, os, version FROM specs");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getString() == evil);
  CHECK(q.getColumn(1).getString() == evil2);
  CHECK(q.getColumn(2).getString() == evil);
  CHECK(q.getColumn(3).getString() == evil);
  CHECK(q.getColumn(4).getString() == "1'");
  CHECK(db.execAndGet("SELECT stack FROM spec_stacks").getString() == evil);
  CHECK(db.execAndGet("SELECT group_concat(value, '|') FROM (SELECT value FROM spec_variants ORDER BY value)")
            .getString() == "-O2; DROP TABLE spec; --|true");
  CHECK(db.execAndGet("SELECT count(*) FROM page").getInt() == 1);
  CHECK(db.execAndGet("SELECT count(*) FROM sqlite_schema WHERE name IN ('spec', 'page', 'release_spec')").getInt() ==
        3);
  CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
}
