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
      out.files.push_back(input.string());
      continue;
    }
    if (!fs::is_directory(st)) {
      out.passed_over.emplace_back(input.string(), "not a regular file or directory");
      continue;
    }
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(input, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) throw Error(fmt::format("{}: cannot read directory: {}", input.string(), ec.message()));
    for (; it != end; it.increment(ec)) {
      if (ec) {
        out.passed_over.emplace_back(it->path().string(), ec.message());
        ec.clear();
        continue;
      }
      const auto& entry = *it;
      const std::string& name = entry.path().native();
      if (name.size() < 3 || name.compare(name.size() - 3, 3, ".md") != 0) continue;
      // The type comes from the directory listing; only a symlink costs a stat
      // (and a dangling one fails here).
      std::error_code sec;
      const bool regular = entry.is_regular_file(sec);
      if (sec) {
        out.passed_over.emplace_back(name, sec.message());
      } else if (regular) {
        found.push_back(name);
      } else if (!entry.is_directory(sec)) {
        out.passed_over.emplace_back(name, "not a regular file");
      }
    }
    std::sort(found.begin(), found.end());
    out.files.insert(out.files.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  return out;
}

}  // namespace cachedb
