#include "ingest/page_check.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ingest/file_walker.h"
#include "ingest/page_loader.h"

namespace cachedb {

CheckSummary check_pages(const std::vector<std::filesystem::path>& inputs, std::uintmax_t max_page_bytes,
                         unsigned threads) {
  check_inputs(inputs);
  CheckSummary s;
  // No stored pages to compare with: every page is read and parsed.
  PageLoader loader(inputs, max_page_bytes, nullptr, threads);
  while (auto loaded = loader.next()) {
    if (!loaded->passed_over.empty()) {
      log_passed_over(loaded->path, loaded->passed_over);
      ++s.skipped;
      continue;
    }
    if (loaded->stamp.size > 0) s.bytes += loaded->stamp.size;
    if (loaded->error) {
      const ParseError& e = *loaded->error;
      s.rejections.push_back({loaded->path, e.line(), e.what()});
      log_rejection(s.rejections.back());
      continue;
    }
    for (const auto& finding : loaded->findings) spdlog::info("{}: {}", loaded->path, finding.message);
    switch (loaded->page->kind) {
      case PageKind::NotCache:
        log_skipped(loaded->path, *loaded->page);
        ++s.skipped;
        break;
      case PageKind::Legacy:
        log_skipped(loaded->path, *loaded->page);
        ++s.legacy;
        break;
      case PageKind::Cache:
        ++s.pages;
        s.spec_rows += static_cast<std::int64_t>(loaded->page->specs.size());
        break;
    }
  }
  return s;
}

std::string summary_line(const CheckSummary& s) {
  return fmt::format("checked {} pages ({} spec rows, {} bytes): {} rejected, {} skipped, {} legacy", s.pages,
                     s.spec_rows, s.bytes, s.rejections.size(), s.skipped, s.legacy);
}

}  // namespace cachedb
