// The count of a large spec_details made before it is read: exact on what
// pages hold, never short of what the reader keeps, and no room for specs
// that broken or hostile JSON only pretends to hold.
#include <doctest/doctest.h>

#include <string>

#include <fmt/format.h>

#include "formats/cache_page/page.h"
#include "formats/cache_page/spec_details_count.h"
#include "parsing/text_limits.h"

using namespace cachedb;

namespace {

// `n` times `s`, after `before` (built in place: GCC 12 warns falsely on "[" + a temporary).
std::string repeat(const std::string& s, std::size_t n, const char* before = "") {
  std::string out = before;
  out.reserve(out.size() + s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("specs are objects with a hash, counted once each") {
  CHECK(count_spec_details(R"([{"hash":"a","os":"o"},{"os":"o","hash":"b","hash":"c"}])").specs == 2);
  // An object without a hash is rejected before the reader keeps it.
  CHECK(count_spec_details(R"([{},{"os":"o"},{"junk":{"hash":"x"}}])").specs == 0);
  CHECK(count_spec_details(repeat("{},", 100'000, "[") + "{}]").specs == 0);
  // A "hash" inside a string or a nested object is not a spec's key.
  CHECK(count_spec_details(R"([{"note":"\"hash\":1","junk":{"hash":"x"},"hash":"h"}])").specs == 1);
}

TEST_CASE("list items are the strings of the first versions, variants and stacks of a spec") {
  const auto n = count_spec_details(
      R"([{"hash":"a","versions":["1"],"variants":["+x","~y"],"stacks":["e4s","root"],"stacks":["again"],)"
      R"("junk":["u","v"],"nested":{"stacks":["w"]}},)"
      R"({"hash":"b","stacks" : ["s", 1, "after a number"],"variants":[["nested"],"after a list"]}])");
  CHECK(n.specs == 2);
  CHECK(n.items == 1 + 2 + 2 + 1);
}

TEST_CASE("no more items are counted in one list than a spec may hold") {
  // A longer list rejects the page, and the reader keeps no more of it.
  const std::string many = repeat(R"("",)", 100'000, "[") + R"(""])";
  const auto n = count_spec_details(R"([{"hash":"a","stacks":)" + many + R"(,"variants":["+x"]},{"hash":"b","versions":)" +
                                    many + "}]");
  CHECK(n.specs == 2);
  CHECK(n.items == 2 * limits::kListItems + 1);
}

TEST_CASE("a key spelled with an escape is counted as whatever needs most room") {
  // The reader decodes "h\u0061sh" to hash and keeps the spec: the count must
  // not fall short of it.
  const auto n =
      count_spec_details(R"([{"h\u0061sh":"a","os":"o","platform":"p","target":"t","st\u0061cks":["x","y"]}])");
  CHECK(n.specs == 1);
  CHECK(n.items == 2);
  // An escaped name the reader ignores costs room, never a miscount that
  // falls short: two items counted for a list the reader does not keep.
  CHECK(count_spec_details(R"([{"hash":"a","os":"o","platform":"p","target":"t","stacks":[],"\u0078":["p","q"]}])")
            .items == 2);
}

TEST_CASE("broken JSON is counted as far as it goes, with no more specs than its bytes could hold") {
  // An unterminated string at the end: every object before it has a hash.
  const std::string unterminated = repeat(R"({"hash":"x"},)", 400'000, "[") + "\"";
  const auto n = count_spec_details(unterminated);
  CHECK(n.specs == unterminated.size() / kMinSpecBytes + 1);
  CHECK(n.specs < 400'000 / 4);
  // Unclosed brackets: counted as far as they go.
  CHECK(count_spec_details(R"([{"hash":"a","os":"o","platform":"p","target":"t","stacks":["x","y")").items == 2);
  CHECK(count_spec_details("").specs == 0);
}

TEST_CASE("however the JSON is made to miscount, specs and items together make room for no more than 4/3 of it") {
  // Objects with a hash that is not a string (rejected, but counted as
  // specs), then lists of empty strings under escaped keys (counted, and not
  // kept): each alone is held to what an accepted page could hold; together
  // they would make room for over twice the value.
  const std::string items = repeat(R"("",)", limits::kListItems - 1, "[") + R"(""])";
  std::string value = repeat(R"({"hash":0},)", 100'000, "[");
  for (int i = 0; i < 20; ++i)
    value += R"({"hash":"h","\u0078":)" + items + R"(,"\u0079":)" + items + R"(,"\u007a":)" + items + "},";
  value += R"({"hash":"h"}])";
  const auto n = count_spec_details(value);
  INFO("specs " << n.specs << ", items " << n.items << ", value " << value.size() << " bytes");
  CHECK(n.specs * sizeof(SpecList::Packed) + n.items * sizeof(TextAt) <= value.size() * 4 / 3 + 64);
  CHECK(52 * n.specs + 3 * n.items <= value.size() + 3);
}

TEST_CASE("a large page whose specs' keys are escaped is read into room for exactly them") {
  // Over the size from which pages are counted first (4 MiB): the count is
  // what the reader keeps, so nothing is reallocated.
  std::string details = "[";
  constexpr int kSpecs = 40'000;
  for (int i = 0; i < kSpecs; ++i) {
    if (i) details += ',';
    details += fmt::format(
        R"({{"h\u0061sh":"h{}","os":"o","platform":"p","target":"t","st\u0061cks":["e4s","root"],"pad":"{}"}})", i,
        std::string(40, 'p'));
  }
  details += "]";
  REQUIRE(details.size() > (4u << 20));
  Page page = parse_page("---\ntitle: \"zlib\"\nlayout: cache\ncategories: [package, develop]\nspec_details: " +
                               details + "\n---\n");
  REQUIRE(page.specs.size() == kSpecs);
  CHECK(page.specs.packed().capacity() == kSpecs);
  CHECK(page.specs.lists().capacity() == 2 * kSpecs);
  CHECK(page.specs[kSpecs - 1].hash == "h39999");
}
