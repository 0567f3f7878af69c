#include "ingest/file_walker.h"

#include <algorithm>

#include <fmt/format.h>

#include "error.h"

namespace cachedb {

namespace fs = std::filesystem;

WalkResult find_pages(const std::vector<fs::path>& inputs) {
  WalkResult out;
  for (const auto& input : inputs) {
    std::error_code ec;
    auto st = fs::status(input, ec);
    if (ec || !fs::exists(st)) throw Error(fmt::format("{}: no such file or directory", input.string()));
    if (fs::is_regular_file(st)) {
      out.files.push_back(input);
      continue;
    }
    if (!fs::is_directory(st)) {
      out.passed_over.emplace_back(input, "not a regular file or directory");
      continue;
    }
    std::vector<fs::path> found;
    fs::recursive_directory_iterator it(input, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) throw Error(fmt::format("{}: cannot read directory: {}", input.string(), ec.message()));
    for (; it != end; it.increment(ec)) {
      if (ec) {
        out.passed_over.emplace_back(it->path(), ec.message());
        ec.clear();
        continue;
      }
      const auto& entry = *it;
      if (entry.path().extension() != ".md") continue;
      std::error_code sec;
      auto est = entry.status(sec);  // follows a file symlink; a dangling one fails here
      if (sec) {
        out.passed_over.emplace_back(entry.path(), sec.message());
      } else if (fs::is_regular_file(est)) {
        found.push_back(entry.path());
      } else if (!fs::is_directory(est)) {
        out.passed_over.emplace_back(entry.path(), "not a regular file");
      }
    }
    std::sort(found.begin(), found.end());
    out.files.insert(out.files.end(), found.begin(), found.end());
  }
  return out;
}

}  // namespace cachedb
