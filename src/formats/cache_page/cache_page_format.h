#pragma once
// cache.spack.io's pages (`_cache/<release>/<package>/specs.md`) as a format:
// the files named *.md, parsed by parse_page (page.h), their meta checked
// against their specs (meta_findings.h).
#include "formats/format.h"

namespace cachedb {

class CachePageFormat final : public Format {
 public:
  std::string_view kind() const override { return "cache page"; }
  bool takes(std::string_view file_name) const override;
  // A file that is not a cache page is a Page of kind NotCache or Legacy,
  // skipped by the ingest; at a cache page's path it is rejected instead.
  Document parse(const std::string& path, PaddedBuffer bytes, std::vector<Finding>& findings,
                 const ParseOptions& options) const override;
};

}  // namespace cachedb
