#include "ingest/page_check.h"

#include <string>
#include <unordered_map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ingest/file_walker.h"
#include "ingest/findings.h"
#include "ingest/page_loader.h"

namespace cachedb {

CheckSummary check_pages(const std::vector<std::filesystem::path>& inputs, std::uintmax_t max_page_bytes,
                         unsigned threads) {
  check_inputs(inputs);
  CheckSummary s;
  // No stored pages to compare with: every page is read and parsed.
  PageLoader loader(inputs, max_page_bytes, nullptr, threads);
  // The first file of each (release, package), to tell a second one as ingest does.
  std::unordered_map<std::string, std::string> first_file;
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
      case PageKind::Cache: {
        const Page& page = *loaded->page;
        std::string key = fmt::format("{}\x1f{}", page.release, page.package);
        if (auto [it, added] = first_file.try_emplace(std::move(key), loaded->path); !added) {
          spdlog::warn("{}: {}", loaded->path, duplicate_page(loaded->path, page.release,
                                                              page.package, it->second).message);
          ++s.skipped;
          break;
        }
        ++s.pages;
        s.spec_rows += static_cast<std::int64_t>(page.specs.size());
        break;
      }
    }
  }
  return s;
}

std::string summary_line(const CheckSummary& s) {
  return fmt::format("checked {} pages ({} spec rows, {} bytes): {} rejected, {} skipped, {} legacy", s.pages,
                     s.spec_rows, s.bytes, s.rejections.size(), s.skipped, s.legacy);
}

}  // namespace cachedb
