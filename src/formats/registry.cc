#include "formats/registry.h"

#include "formats/cache_page/cache_page_format.h"

namespace cachedb {
namespace {

const CachePageFormat kCachePage;
// One line per format; the first is the one for files no format takes by name.
const Format* const kFormats[] = {&kCachePage};

}  // namespace

std::span<const Format* const> formats() { return kFormats; }

bool some_format_takes(std::string_view file_name) {
  for (const Format* format : kFormats)
    if (format->takes(file_name)) return true;
  return false;
}

const Format& format_for(std::string_view path) {
  const auto slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  for (const Format* format : kFormats)
    if (format->takes(name)) return *format;
  return *kFormats[0];
}

}  // namespace cachedb
