#pragma once
// Finds the files to ingest: the files named, and every file under the
// directories named whose name a format takes (FileNameFilter), in a stable
// order (each directory's entries sorted by name, depth first). Directories are listed one at a time with the raw
// system calls, relative to an open directory: on a tree of 200k small
// directories that is half the kernel time of std::filesystem's walk.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cachedb {

// Whether the walk takes a file of this name (the name alone, not its path):
// asked of every entry of every directory listed, so it must be cheap.
using FileNameFilter = bool (*)(std::string_view name);

// One entry of a directory listing, as the walk treats it.
struct WalkEntry {
  enum class Kind : std::uint8_t {
    File,        // a regular file (or a link to one) whose name the filter takes
    Directory,   // to descend into (links to directories are not followed)
    PassedOver,  // a name the filter takes, but not a readable regular file: why() says what
  };
  std::uint32_t name = 0;  // where its name starts in Listing::names
  Kind kind = Kind::File;
  // Set when a file may be missing because something could not be read:
  // --prune must then not trust the walk. A FIFO or a broken link is passed
  // over without this.
  bool unreadable = false;
  // PassedOver: the errno that stat gave, or 0 for "not a regular file".
  int error = 0;

  // Why a PassedOver entry is passed over.
  std::string why() const;
};

// A directory's entries, sorted by name. Packed (12 bytes an entry, plus the
// names), because a release directory lists tens of thousands of packages.
struct Listing {
  std::string names;  // each entry's name, NUL-terminated, one after the other
  std::vector<WalkEntry> entries;

  const char* name(const WalkEntry& e) const { return names.data() + e.name; }
  std::size_t size() const { return entries.size(); }
};

// A directory open for listing and for opening its entries relative to it.
class Directory {
 public:
  // Opens `path`, relative to the directory open as `at` (AT_FDCWD: the
  // working directory); `follow` decides whether a symbolic link is followed
  // (only for the directories named on the command line). Throws
  // std::system_error.
  Directory(int at, const std::string& path, bool follow);
  ~Directory();
  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;

  int fd() const { return fd_; }

  // The directories in it and the files `takes` takes, sorted by name.
  // Throws std::system_error when the listing fails part way.
  Listing list(FileNameFilter takes) const;

 private:
  int fd_;
};

// Whether a walk of the directory named `dir` (as given on the command line,
// from the working directory: a link there is followed, as the walk follows
// it) would meet the file at `below`, a path relative to it: every directory
// on the way one the walk descends into (a real directory, not a link to
// one, that the job can list and search, not named as a page is), and the
// file there in any form. Asked by --prune of a stored page the walk did not
// meet; relative to `dir`, so that what lies above it (a parent the job cannot
// search, a long working directory) does not matter, as it does not to the walk.
enum class WalkReach {
  met,        // the walk lists it
  absent,     // nothing there
  not_met,    // there, or maybe there, but out of the walk's reach
  unknown,    // the system would not say
};
WalkReach walk_reaches(const std::string& dir, std::string_view below);

// `dir` + "/" + `name`, without doubling a trailing slash.
std::string join_path(const std::string& dir, const std::string& name);

// `path` as the walk logs and stores it: put after the working directory
// `cwd` (ending in '/') unless it is absolute already; nothing normalised.
std::string absolute_from(const std::string& cwd, std::string path);
// The working directory with a trailing '/', for absolute_from(); "" when the
// system cannot give it (deleted under the process): paths then stay as given.
std::string working_directory();

// Throws Error when a path named on the command line does not exist, so that
// a mistyped path fails the run before anything is written.
void check_inputs(const std::vector<std::filesystem::path>& inputs);

// The number of files a walk of `inputs` would give (for a progress bar's total).
std::size_t count_files(const std::vector<std::filesystem::path>& inputs, FileNameFilter takes);

}  // namespace cachedb
