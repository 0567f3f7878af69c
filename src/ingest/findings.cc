#include "ingest/findings.h"

#include <algorithm>
#include <vector>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "formats/cache_page/meta_findings.h"

namespace cachedb {

std::string describe_differences(unsigned differs) {
  static constexpr std::pair<unsigned, std::string_view> kNames[] = {
      {SpecConflict::kPackage, "package"}, {SpecConflict::kCompiler, "compiler"},
      {SpecConflict::kOs, "os"},           {SpecConflict::kPlatform, "platform"},
      {SpecConflict::kTarget, "target"},   {SpecConflict::kVersions, "versions"},
      {SpecConflict::kVariants, "variants"},
  };
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!(differs & bit)) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

Finding duplicate_page(const std::string& path, const std::string& release, const std::string& package,
                       const std::string& first) {
  return {path, release, package, "duplicate_page", "",
          fmt::format("another file gives the page of {} {}: {}; the first in the walk's order is the page, "
                      "this one is not read",
                      release, package, first)};
}

void note_conflicts(const Page& page, const std::string& path, const std::vector<SpecConflict>& conflicts,
                    std::vector<Finding>& out) {
  for (const auto& c : conflicts) {
    Finding f = page_finding(page, path, "hash_conflict",
                        fmt::format("spec {} was stored with a different {}; a build-cache index that lists it "
                                    "describes it, else the page whose release and package sort last",
                                    c.hash, describe_differences(c.differs)));
    f.hash = c.hash;
    out.push_back(std::move(f));
  }
}

Finding settled_compiler_conflict(const std::string& path, const std::string& release, const std::string& package,
                                  const std::string& hash, const std::string& compiler) {
  Finding f{path, release, package, "hash_conflict", hash,
            fmt::format("spec {} was stored with a different compiler; a build-cache index that lists it "
                        "describes it (its compiler's node now names {})",
                        hash, compiler)};
  spdlog::info("{}: {}", f.path, f.message);
  return f;
}

void note_index_conflicts(const std::string& path, const std::string& release,
                          const std::vector<IndexConflict>& conflicts, std::vector<Finding>& out) {
  for (const auto& c : conflicts) {
    Finding f{path, release, c.package, "hash_conflict", c.hash,
              fmt::format("spec {} was stored from a cache page with a different {}; this build-cache index "
                          "describes it (the page's word is kept in spec_claim)",
                          c.hash, describe_differences(c.differs))};
    spdlog::info("{}: {}", f.path, f.message);
    out.push_back(std::move(f));
  }
}

}  // namespace cachedb
