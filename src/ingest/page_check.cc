#include "ingest/page_check.h"

#include <string>
#include <unordered_map>
#include <variant>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ingest/file_loader.h"
#include "ingest/file_walker.h"
#include "ingest/findings.h"

namespace cachedb {

namespace {

// Counts each file of the walk as ingest would take it.
class Check {
 public:
  CheckSummary& summary() { return s_; }

  void operator()(const PassedOver& f) {
    log_passed_over(f.path, f.why);
    ++s_.skipped;
  }

  void operator()(const Rejected& f) {
    count_bytes(f.stamp);
    s_.rejections.push_back({f.path, f.error.line(), f.error.what()});
    log_rejection(s_.rejections.back());
  }

  // Never met: a check asks no stored pages, so it reads every file.
  void operator()(const Known& f) { count_bytes(f.stamp); }

  void operator()(const Parsed& f) {
    count_bytes(f.stamp);
    for (const auto& finding : f.findings) spdlog::info("{}: {}", f.path, finding.message);
    std::visit([&](const auto& document) { count(f, document); }, f.document);
  }

 private:
  void count_bytes(const FileStamp& stamp) {
    if (stamp.size > 0) s_.bytes += stamp.size;
  }

  void count(const Parsed& f, const Page& page) {
    switch (page.kind) {
      case PageKind::NotCache:
        log_skipped(f.path, page);
        ++s_.skipped;
        break;
      case PageKind::Legacy:
        log_skipped(f.path, page);
        ++s_.legacy;
        break;
      case PageKind::Cache: {
        std::string key = fmt::format("{}\x1f{}", page.release, page.package);
        if (auto [it, added] = first_file_.try_emplace(std::move(key), f.path); !added) {
          spdlog::warn("{}: {}", f.path, duplicate_page(f.path, page.release, page.package, it->second).message);
          ++s_.skipped;
          break;
        }
        ++s_.pages;
        s_.spec_rows += static_cast<std::int64_t>(page.spec_count);
        break;
      }
    }
  }

  CheckSummary s_;
  // The first file of each (release, package), to tell a second one as ingest does.
  std::unordered_map<std::string, std::string> first_file_;
};

}  // namespace

CheckSummary check_pages(const std::vector<std::filesystem::path>& inputs, std::uintmax_t max_page_bytes,
                         unsigned threads) {
  check_inputs(inputs);
  // No stored pages to compare with: every file is read and parsed, a large
  // page a chunk of specs at a time, as ingest reads it.
  FileLoader loader(inputs, max_page_bytes, nullptr, threads, ParseOptions{kStreamSpecsFrom});
  Check check;
  while (auto loaded = loader.next()) std::visit(check, *loaded);
  return std::move(check.summary());
}

std::string summary_line(const CheckSummary& s) {
  return fmt::format("checked {} pages ({} spec rows, {} bytes): {} rejected, {} skipped, {} legacy", s.pages,
                     s.spec_rows, s.bytes, s.rejections.size(), s.skipped, s.legacy);
}

}  // namespace cachedb
