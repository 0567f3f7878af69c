#include <doctest/doctest.h>

#include "error.h"
#include "parsing/compiler.h"
#include "parsing/text_limits.h"
#include "parsing/variant.h"

using namespace cachedb;

TEST_CASE("compilers: '@=' and '@' are the same compiler, 'none' is none") {
  CHECK(parse_compiler("gcc@=11.4.0").label() == "gcc@11.4.0");
  CHECK(parse_compiler("gcc@11.4.0").label() == "gcc@11.4.0");
  auto c = parse_compiler("cce@=15.0.1");
  CHECK(c.name == "cce");
  CHECK(c.version == "15.0.1");
  CHECK(parse_compiler("none").label() == "none");
  CHECK(parse_compiler("none").version.empty());
  CHECK_THROWS_AS(parse_compiler("@=1.0"), ParseError);
}

TEST_CASE("text limits: NUL, bad UTF-8 and length are found wherever they are; plain text passes") {
  for (std::size_t n = 1; n <= 40; ++n) {
    CAPTURE(n);
    const std::string plain(n, 'x');
    CHECK_FALSE(cachedb::text_problem(plain, 64));
    CHECK(cachedb::text_problem(plain, n - 1).value_or("").find("over the") != std::string::npos);
    for (std::size_t at = 0; at < n; ++at) {
      CAPTURE(at);
      std::string t = plain;
      t[at] = '\0';
      CHECK(cachedb::text_problem(t, 64).value_or("") == "contains a NUL character");
      t[at] = '\x80';  // a continuation byte alone
      CHECK(cachedb::text_problem(t, 64).value_or("") == "is not valid UTF-8");
      t[at] = '\x7f';  // DEL is ASCII
      CHECK_FALSE(cachedb::text_problem(t, 64));
      t = plain;
      t.replace(at, 1, "\xc3\xa9");  // é: valid, and not ASCII
      CHECK_FALSE(cachedb::text_problem(t, 64));
      t.replace(at, 2, "\xc0\xa9");  // an overlong form
      CHECK(cachedb::text_problem(t, 64).value_or("") == "is not valid UTF-8");
    }
  }
}
