#include "ingest/file_walker.h"

#include <algorithm>

#include <fmt/format.h>

#include "error.h"

namespace cachedb {

namespace fs = std::filesystem;

namespace {

// Collects the *.md files under `root`. Only real directories are entered
// (symlink_status), so a directory symlink cannot loop the walk.
void walk_directory(const fs::path& root, std::vector<fs::path>& found, WalkResult& out) {
  std::vector<fs::path> pending{root};
  while (!pending.empty()) {
    const fs::path dir = std::move(pending.back());
    pending.pop_back();
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const auto& entry = *it;
      std::error_code sec;
      if (fs::is_directory(entry.symlink_status(sec))) {
        pending.push_back(entry.path());
        continue;
      }
      if (entry.path().extension() != ".md") continue;
      auto est = entry.status(sec);  // follows a file symlink; a dangling or looping one fails here
      if (sec) {
        out.passed_over.emplace_back(entry.path(), sec.message());
      } else if (fs::is_regular_file(est)) {
        found.push_back(entry.path());
      } else if (!fs::is_directory(est)) {
        out.passed_over.emplace_back(entry.path(), "not a regular file");
      }
    }
    if (ec) {
      // Unreadable (permissions), or gone while walked.
      out.passed_over.emplace_back(dir, "cannot read directory: " + ec.message());
      ++out.unreadable_directories;
    }
  }
}

}  // namespace

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
    walk_directory(input, found, out);
    std::sort(found.begin(), found.end());
    out.files.insert(out.files.end(), found.begin(), found.end());
  }
  return out;
}

}  // namespace cachedb
