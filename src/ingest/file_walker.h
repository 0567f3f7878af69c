#pragma once
// Finds the pages to ingest: the files named, and every *.md under the
// directories named, in a stable (sorted) order.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace cachedb {

struct WalkResult {
  std::vector<std::filesystem::path> files;
  // Paths that were passed over, with why (not a regular file, unreadable...).
  std::vector<std::pair<std::filesystem::path, std::string>> passed_over;
  // How many of those were directories that could not be read: pages may be
  // missing from the walk, so a prune must not trust it.
  std::size_t unreadable_directories = 0;
};

// Directory symlinks are not followed (so a symlink loop cannot trap the walk);
// FIFOs, sockets and devices are passed over, never opened; a directory that
// cannot be read is passed over with the reason, never skipped in silence. Throws Error when a
// path named on the command line does not exist.
WalkResult find_pages(const std::vector<std::filesystem::path>& inputs);

}  // namespace cachedb
