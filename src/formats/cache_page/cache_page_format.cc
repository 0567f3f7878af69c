#include "formats/cache_page/cache_page_format.h"

#include <fmt/format.h>

#include "error.h"
#include "formats/cache_page/meta_findings.h"

namespace cachedb {

bool CachePageFormat::takes(std::string_view name) const {
  return name.size() >= 3 && name.substr(name.size() - 3) == ".md";
}

Document CachePageFormat::parse(const std::string& path, PaddedBuffer bytes, std::vector<Finding>& findings) const {
  Page page = parse_page(std::move(bytes));
  // Where the site keeps a cache page, a file that is not one is a broken
  // page (a failed checkout, an error page saved in its place): skipping
  // it would let --prune take its package for gone.
  if (page.kind == PageKind::NotCache && at_cache_page_path(path))
    throw ParseError(0, fmt::format("not a cache page ({}), at a cache page's path (specs.md)", page.not_cache));
  if (page.kind == PageKind::Cache) check_meta(page, path, findings);
  return page;
}

}  // namespace cachedb
