#pragma once
// Finds the pages to ingest: the files named, and every *.md under the
// directories named, in a stable (sorted) order.
#include <filesystem>
#include <string>
#include <vector>

namespace cachedb {

struct WalkResult {
  // Plain strings, not std::filesystem::path: a path keeps a parsed list of its
  // components, which for 200k files costs ~100 MB; a string costs its bytes.
  std::vector<std::string> files;
  // Paths that were passed over, with why (not a regular file, unreadable...).
  std::vector<std::pair<std::string, std::string>> passed_over;
};

// Directory symlinks are not followed (so a symlink loop cannot trap the walk);
// FIFOs, sockets and devices are passed over, never opened. Throws Error when a
// path named on the command line does not exist.
WalkResult find_pages(const std::vector<std::filesystem::path>& inputs);

}  // namespace cachedb
