#include "ingest/file_walker.h"

#include <algorithm>

#include <fmt/format.h>

#include "error.h"

namespace cachedb {

namespace fs = std::filesystem;

namespace {

bool is_page_name(const std::string& path) {
  return path.size() >= 3 && path.compare(path.size() - 3, 3, ".md") == 0;
}

}  // namespace

PageWalker::PageWalker(const std::vector<fs::path>& inputs) : inputs_(inputs) {
  for (const auto& input : inputs_) {
    std::error_code ec;
    if (!fs::exists(fs::status(input, ec)))
      throw Error(fmt::format("{}: no such file or directory", input.string()));
  }
}

void PageWalker::open_directory(const std::string& dir) {
  Listing listing;
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  if (ec) {
    pending_.push_back({dir, "cannot read directory: " + ec.message(), true});
    return;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) {
      pending_.push_back({dir, "cannot read directory: " + ec.message(), true});
      break;
    }
    const auto& entry = *it;
    const std::string& path = entry.path().native();
    std::error_code sec;
    // Directory symlinks are not followed: a symlink loop cannot trap the walk.
    if (!entry.is_symlink(sec) && entry.is_directory(sec)) {
      listing.entries.emplace_back(path, true);
      continue;
    }
    if (!is_page_name(path)) continue;
    // The type comes from the directory listing; only a symlink costs a stat
    // (and a dangling one fails here).
    const bool regular = entry.is_regular_file(sec);
    if (sec) pending_.push_back({path, sec.message()});
    else if (regular) listing.entries.emplace_back(path, false);
    else if (!entry.is_directory(sec)) pending_.push_back({path, "not a regular file"});
  }
  std::sort(listing.entries.begin(), listing.entries.end());
  stack_.push_back(std::move(listing));
}

std::optional<WalkEntry> PageWalker::next() {
  while (true) {
    if (!pending_.empty()) {
      WalkEntry e = std::move(pending_.back());
      pending_.pop_back();
      return e;
    }
    if (stack_.empty()) {
      if (next_input_ == inputs_.size()) return std::nullopt;
      const fs::path& input = inputs_[next_input_++];
      std::error_code ec;
      const auto st = fs::status(input, ec);
      if (fs::is_regular_file(st)) return WalkEntry{input.string(), {}};
      if (!fs::is_directory(st)) return WalkEntry{input.string(), "not a regular file or directory"};
      open_directory(input.string());
      continue;
    }
    Listing& top = stack_.back();
    if (top.next == top.entries.size()) {
      stack_.pop_back();
      continue;
    }
    auto [path, is_dir] = std::move(top.entries[top.next++]);
    if (!is_dir) return WalkEntry{std::move(path), {}};
    open_directory(path);  // may reallocate stack_: `top` is not used after this
  }
}

std::size_t count_pages(const std::vector<fs::path>& inputs) {
  PageWalker walker(inputs);
  std::size_t n = 0;
  while (auto e = walker.next())
    if (e->passed_over.empty()) ++n;
  return n;
}

}  // namespace cachedb
