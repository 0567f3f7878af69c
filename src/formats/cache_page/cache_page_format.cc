#include "formats/cache_page/cache_page_format.h"

#include <fmt/format.h>

#include <cstdint>

#include "error.h"
#include "formats/cache_page/meta_findings.h"

namespace cachedb {

bool CachePageFormat::takes(std::string_view name) const {
  return name.size() >= 3 && name.substr(name.size() - 3) == ".md";
}

Document CachePageFormat::parse(const std::string& path, PaddedBuffer bytes, std::vector<Finding>& findings,
                                const ParseOptions& options) const {
  // A large page is checked a chunk of specs at a time, its meta tallied as
  // they come; then only what names it is kept, and the writer reads it again.
  MetaTally tally;
  const SpecStream stream{options.stream_specs_from, [&](const SpecList& specs) { tally.add(specs); }};
  const std::size_t size = bytes.size();
  Page page = parse_page(std::move(bytes), options.stream_specs_from == SIZE_MAX ? nullptr : &stream);
  if (page.streamed) {
    tally.check(page, path, findings);
    page.meta = {};  // its names point into the text
    page.storage = PaddedBuffer();
    page.streamed_bytes = size;
    return page;
  }
  // Where the site keeps a cache page, a file that is not one is a broken
  // page (a failed checkout, an error page saved in its place): skipping
  // it would let --prune take its package for gone.
  if (page.kind == PageKind::NotCache && at_cache_page_path(path))
    throw ParseError(0, fmt::format("not a cache page ({}), at a cache page's path (specs.md)", page.not_cache));
  if (page.kind == PageKind::Cache) check_meta(page, path, findings);
  return page;
}

}  // namespace cachedb
