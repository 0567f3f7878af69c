#pragma once
// Finds the pages to ingest: the files named, and every *.md under the
// directories named. The walk is lazy, one directory listing at a time, so
// its memory does not grow with the size of the tree; the order is stable
// (each directory's entries sorted by name, depth first).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cachedb {

struct WalkEntry {
  std::string path;
  // Empty for a page to read; otherwise why the path is passed over (not a
  // regular file, unreadable directory...).
  std::string passed_over;
  // Set when the entry could not be read (a directory or file the permissions
  // or a race hide): pages may be missing from the walk, so --prune must not
  // trust it. A FIFO or a broken link is passed over without this.
  bool unreadable = false;
};

class PageWalker {
 public:
  // Throws Error when a path named on the command line does not exist.
  explicit PageWalker(const std::vector<std::filesystem::path>& inputs);

  // The next entry, or nothing at the end.
  std::optional<WalkEntry> next();

 private:
  struct Listing {
    std::vector<std::pair<std::string, bool>> entries;  // (path, is a directory to descend into)
    std::size_t next = 0;
  };
  void open_directory(const std::string& dir);

  std::vector<std::filesystem::path> inputs_;
  std::size_t next_input_ = 0;
  std::vector<Listing> stack_;
  std::vector<WalkEntry> pending_;  // passed-over entries met while listing
};

// The number of pages a walk of `inputs` would give (for a progress bar's total).
std::size_t count_pages(const std::vector<std::filesystem::path>& inputs);

}  // namespace cachedb
