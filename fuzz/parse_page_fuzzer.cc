// libFuzzer target: the page parser on arbitrary bytes. A page either parses
// or is rejected with ParseError; anything else (a crash, a sanitizer report, an
// exception of another type, a hang) is a bug. Whatever parses must also be
// what the database may store: text within its limit, valid UTF-8, no NUL.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "error.h"
#include "formats/cache_page/page.h"
#include "parsing/text_limits.h"

namespace {

void require_storable(std::string_view text, std::size_t max_bytes) {
  if (cachedb::text_problem(text, max_bytes)) std::abort();
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
  return 0;
}
