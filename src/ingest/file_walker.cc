#include "ingest/file_walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>

#include <fmt/format.h>

#include "error.h"
#include "formats/cache_page/page.h"

namespace cachedb {

namespace fs = std::filesystem;

namespace {

std::system_error errno_error() { return std::system_error(errno, std::generic_category()); }

// What a directory entry is, from the listing's type or, where the file
// system does not give one, from lstat.
unsigned char entry_type(int dir_fd, const char* name, unsigned char d_type) {
  if (d_type != DT_UNKNOWN) return d_type;
  struct stat st {};
  if (::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return DT_UNKNOWN;
  if (S_ISDIR(st.st_mode)) return DT_DIR;
  if (S_ISREG(st.st_mode)) return DT_REG;
  if (S_ISLNK(st.st_mode)) return DT_LNK;
  return DT_FIFO;  // any other kind: not a file to read
}

// Classifies one entry; false when the walk ignores it.
bool classify(int dir_fd, const char* name, unsigned char d_type, FileNameFilter takes, WalkEntry& out) {
  const unsigned char type = entry_type(dir_fd, name, d_type);
  // Directory links are not followed (they are DT_LNK here): a link loop
  // cannot trap the walk.
  if (type == DT_DIR) {
    // A directory named as the site names every page (specs.md) stands
    // where a page was or should be: passed over with a warning, and what a
    // page of that path stored is kept (a prune keeps what a file still in
    // the tree stored), where walking it would have said nothing. Other
    // names the filter takes (notes.md/) are directories like any other.
    out.kind = at_cache_page_path(name) ? WalkEntry::Kind::PassedOver : WalkEntry::Kind::Directory;
    if (out.kind == WalkEntry::Kind::PassedOver) out.error = EISDIR;
    return true;
  }
  if (!takes(name)) return false;
  if (type == DT_REG) {
    out.kind = WalkEntry::Kind::File;
    return true;
  }
  if (type == DT_UNKNOWN) {  // gone since it was listed, or not ours to look at
    out.kind = WalkEntry::Kind::PassedOver;
    out.error = errno;
    out.unreadable = true;
    return true;
  }
  if (type == DT_LNK) {
    // A link to a file is read through; a dangling link or a loop is passed over.
    struct stat st {};
    if (::fstatat(dir_fd, name, &st, 0) != 0) {
      out.kind = WalkEntry::Kind::PassedOver;
      out.error = errno;
      return true;
    }
    if (S_ISDIR(st.st_mode)) {
      if (!at_cache_page_path(name)) return false;  // links to directories are not followed
      out.kind = WalkEntry::Kind::PassedOver;  // a link named specs.md to a directory, as above
      out.error = EISDIR;
      return true;
    }
    if (S_ISREG(st.st_mode)) {
      out.kind = WalkEntry::Kind::File;
      return true;
    }
  }
  out.kind = WalkEntry::Kind::PassedOver;
  return true;
}

// What a failed lookup on the way says of the file: nothing there, or not
// where the walk goes (a directory it cannot open or search, a loop).
WalkReach reach_after(int error) {
  if (error == ENOENT || error == ENOTDIR || error == ENAMETOOLONG) return WalkReach::absent;
  return error == EACCES || error == ELOOP ? WalkReach::not_met : WalkReach::unknown;
}

}  // namespace

WalkReach walk_reaches(const std::string& dir, std::string_view below) {
  // One directory at a time, each opened from its parent as the walk opens
  // them (the one given following a link, those below not), so that no path
  // looked up is longer than a name.
  try {
    auto at = std::make_unique<Directory>(AT_FDCWD, dir, true);
    for (std::size_t start = 0;;) {
      const std::size_t slash = below.find('/', start);
      const bool last = slash == std::string_view::npos;
      const std::string name(below.substr(start, last ? slash : slash - start));
      if (name.empty()) {
        if (last) return WalkReach::unknown;  // `below` is empty or ends in '/': not a file's path
      } else {
        struct stat st {};
        if (::fstatat(at->fd(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return reach_after(errno);
        if (last) return WalkReach::met;
        if (!S_ISDIR(st.st_mode) || at_cache_page_path(name) ||
            ::faccessat(at->fd(), name.c_str(), R_OK | X_OK, AT_EACCESS) != 0)
          return WalkReach::not_met;
        at = std::make_unique<Directory>(at->fd(), name, false);
      }
      start = slash + 1;
    }
  } catch (const std::system_error& e) {
    return reach_after(e.code().value());  // a directory on the way that cannot be opened
  }
}

std::string WalkEntry::why() const { return error ? std::strerror(error) : "not a regular file"; }

Directory::Directory(int at, const std::string& path, bool follow)
    : fd_(::openat(at, path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW))) {
  if (fd_ < 0) throw errno_error();
}

Directory::~Directory() { ::close(fd_); }

Listing Directory::list(FileNameFilter takes) const {
  Listing listing;
  alignas(struct dirent64) char buffer[16384];
  // A directory that takes more than one buffer (a release's tens of
  // thousands of packages) is read to the end once to count it, then again
  // into arrays of the right size: grown by doubling, they would take up to
  // three times their size while being copied, at the peak of an ingest.
  std::size_t buffers = 0, seen_entries = 0, seen_name_bytes = 0;
  bool sized = false;
  auto next_buffer = [&] {
    while (true) {
      const ssize_t n = ::getdents64(fd_, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw errno_error();
      return n;
    }
  };
  auto count = [&](ssize_t n) {
    for (ssize_t at = 0; at < n;) {
      const auto* d = reinterpret_cast<const struct dirent64*>(buffer + at);
      at += d->d_reclen;
      ++seen_entries;
      seen_name_bytes += std::strlen(d->d_name) + 1;
    }
  };
  while (true) {
    ssize_t n = next_buffer();
    if (n == 0) break;
    if (++buffers == 2 && !sized) {
      for (; n > 0; n = next_buffer()) count(n);
      if (::lseek(fd_, 0, SEEK_SET) != 0) throw errno_error();
      listing = Listing{};
      listing.entries.reserve(seen_entries);
      listing.names.reserve(seen_name_bytes);
      sized = true;
      continue;
    }
    if (!sized) count(n);
    for (ssize_t at = 0; at < n;) {
      const auto* d = reinterpret_cast<const struct dirent64*>(buffer + at);
      at += d->d_reclen;
      const char* name = d->d_name;
      if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
      WalkEntry e;
      if (!classify(fd_, name, d->d_type, takes, e)) continue;
      e.name = static_cast<std::uint32_t>(listing.names.size());
      listing.names.append(name, std::strlen(name) + 1);
      listing.entries.push_back(e);
    }
  }
  // Byte order, as std::string compares (and as `ls` does under LC_ALL=C).
  const char* names = listing.names.data();
  std::sort(listing.entries.begin(), listing.entries.end(), [names](const WalkEntry& a, const WalkEntry& b) {
    return std::strcmp(names + a.name, names + b.name) < 0;
  });
  return listing;
}

std::string join_path(const std::string& dir, const std::string& name) {
  std::string path;
  path.reserve(dir.size() + 1 + name.size());
  path = dir;
  if (path.empty() || path.back() != '/') path += '/';
  path += name;
  return path;
}

std::string absolute_from(const std::string& cwd, std::string path) {
  return !path.empty() && path.front() == '/' ? path : cwd + path;
}

std::string working_directory() {
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  return ec ? std::string() : join_path(cwd.string(), "");
}

void check_inputs(const std::vector<fs::path>& inputs) {
  for (const auto& input : inputs) {
    // The system's own word for why (a link to nowhere, a loop of links, a
    // directory that cannot be searched), not always "no such file".
    struct stat st {};
    if (::stat(input.c_str(), &st) != 0) {
      const int err = errno;
      struct stat link {};
      const bool dangling = err == ENOENT && ::lstat(input.c_str(), &link) == 0 && S_ISLNK(link.st_mode);
      std::string why = dangling ? "a symbolic link to nothing" : std::generic_category().message(err);
      if (!why.empty() && why[0] >= 'A' && why[0] <= 'Z') why[0] = static_cast<char>(why[0] - 'A' + 'a');
      throw Error(fmt::format("{}: {}", input.string(), why));
    }
  }
}

namespace {

std::size_t count_in(const std::string& path, bool follow, FileNameFilter takes) {
  std::size_t n = 0;
  try {
    Directory dir(AT_FDCWD, path, follow);
    const Listing listing = dir.list(takes);
    for (const auto& e : listing.entries) {
      if (e.kind == WalkEntry::Kind::File) ++n;
      else if (e.kind == WalkEntry::Kind::Directory) n += count_in(join_path(path, listing.name(e)), false, takes);
    }
  } catch (const std::system_error&) {
    // The walk itself reports what cannot be read; a count is only a total.
  }
  return n;
}

}  // namespace

std::size_t count_files(const std::vector<fs::path>& inputs, FileNameFilter takes) {
  std::size_t n = 0;
  for (const auto& input : inputs) {
    std::error_code ec;
    const auto st = fs::status(input, ec);
    if (fs::is_regular_file(st)) ++n;
    else if (fs::is_directory(st)) n += count_in(input.string(), true, takes);
  }
  return n;
}

}  // namespace cachedb
