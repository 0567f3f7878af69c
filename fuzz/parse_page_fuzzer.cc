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

// Every field of a spec, as one text.
std::string described(const cachedb::SpecRecord& s) {
  std::string d;
  for (auto t : {s.hash, s.compiler, s.os, s.platform, s.target, s.tarball}) d.append(t).push_back('\x1f');
  d += s.size ? std::to_string(*s.size) : "-";
  for (const auto* list : {&s.versions, &s.variants, &s.stacks}) {
    d.push_back('\x1e');
    for (auto t : *list) d.append(t).push_back('\x1f');
  }
  return d;
}

// The page's specs, or its rejection, read whole or streamed in chunks of
// one to three specs (fuzzed pages are far smaller than a real chunk: small
// ones put chunk boundaries, a hash listed again in a later chunk and the
// spec numbers of messages within reach).
std::vector<std::string> outcome(std::string_view text, std::size_t chunk_specs) {
  std::vector<std::string> out;
  cachedb::SpecStream stream{0, [&](const cachedb::SpecList& specs) {
                               for (const auto& s : specs) out.push_back(described(s));
                             }};
  stream.chunk_specs = chunk_specs;
  stream.chunk_items = 8;
  try {
    const cachedb::Page page = cachedb::parse_page(text, chunk_specs ? &stream : nullptr);
    if (!chunk_specs)
      for (const auto& s : page.specs) out.push_back(described(s));
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
  if (outcome(text, 0) != outcome(text, 1 + size % 3)) std::abort();
  return 0;
}
