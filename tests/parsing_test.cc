#include <doctest/doctest.h>

#include "error.h"
#include "parsing/compiler.h"
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
