// libFuzzer target: the page parser on arbitrary bytes. A page either parses
// or is rejected with ParseError; anything else (a crash, a sanitizer report, an
// exception of another type, a hang) is a bug. Whatever parses must also be
// what the database may store: text within its limit, valid UTF-8, no NUL.
// And a page streamed (SpecStream, as large pages are read) must come out as
// the same page read whole: the same specs in order, or the same rejection.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "error.h"
#include "formats/cache_page/page.h"
#include "parsing/text_limits.h"

namespace {

void require_storable(std::string_view text, std::size_t max_bytes) {
  if (cachedb::text_problem(text, max_bytes)) std::abort();
}

// The page's specs' hashes, or its rejection, read whole or streamed.
std::vector<std::string> outcome(std::string_view text, bool streamed) {
  std::vector<std::string> out;
  const cachedb::SpecStream stream{0, [&](const cachedb::SpecList& specs) {
                                     for (const auto& s : specs) out.emplace_back(s.hash);
                                   }};
  try {
    const cachedb::Page page = cachedb::parse_page(text, streamed ? &stream : nullptr);
    if (!streamed)
      for (const auto& s : page.specs) out.emplace_back(s.hash);
    if (out.size() != page.spec_count) std::abort();
  } catch (const cachedb::ParseError& e) {
    return {"rejected", std::to_string(e.line()), e.what()};
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const cachedb::Page page = cachedb::parse_page(text);
    if (page.kind != cachedb::PageKind::Cache) return 0;
    namespace limits = cachedb::limits;
    if (page.package.empty() || page.release.empty()) std::abort();
    require_storable(page.package, limits::kName);
    require_storable(page.release, limits::kName);
    for (const auto& spec : page.specs) {
      if (spec.hash.empty()) std::abort();
      require_storable(spec.hash, limits::kHash);
      for (auto s : {spec.compiler, spec.os, spec.platform, spec.target}) require_storable(s, limits::kName);
      require_storable(spec.tarball, limits::kTarball);
      for (auto s : spec.versions) require_storable(s, limits::kName);
      for (auto s : spec.stacks) require_storable(s, limits::kName);
      for (auto s : spec.variants) require_storable(s, limits::kVariant);
      if (spec.size && *spec.size < 0) std::abort();
    }
  } catch (const cachedb::ParseError&) {
    // A clean rejection.
  }
  if (outcome(text, false) != outcome(text, true)) std::abort();
  return 0;
}
