#pragma once
// The source of an ingest or a check: walks the tree and reads its files on
// threads of its own, so that the one thread that may write to SQLite spends
// its time writing. Directories are listed and files read by a small pool of
// threads (as many as the CPUs the process may use), yet files come out in
// the walk's order; what is held between the threads is bounded in files and
// bytes, so memory stays flat however large the tree.
//
// The source knows nothing of what files hold: it takes the files a
// FileNameFilter takes, reads each one, stamps and fingerprints it, and hands
// it, on the thread that read it, to a FileHandler, which says what it is (see
// ingest/file_loader.h, where the formats come in).
#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ingest/file_walker.h"
#include "ingest/known_page.h"
#include "ingest/loaded_file.h"
#include "json/padded_buffer.h"

namespace cachedb {

// A file the walk found and read whole.
struct SourceFile {
  std::string path;         // absolute
  FileStamp stamp;
  std::string fingerprint;  // of its bytes (content_fingerprint)
  PaddedBuffer bytes;
};

// What one loading thread does with the files the walk finds.
class FileHandler {
 public:
  virtual ~FileHandler() = default;
  // Whether each file is to be stat()ed and offered to before_reading first.
  virtual bool looks_before_reading() const = 0;
  // What the file at `path` is, when its stamp is enough to tell (a file
  // unchanged since it was stored), or nothing to have it read.
  virtual std::optional<LoadedFile> before_reading(const std::string& path, const FileStamp& stamp) = 0;
  // What the file read is.
  virtual LoadedFile read(SourceFile file) = 0;
};

// Makes the handler of one loading thread, on the source's own thread; never null.
using FileHandlerFactory = std::function<std::unique_ptr<FileHandler>()>;

class FileSource {
 public:
  // Walks `inputs` (files and directories), taking the files in directories
  // that `takes` takes (a file named in `inputs` is taken whatever its name);
  // a file over `max_file_bytes` is rejected unread. `threads` 0 means one per
  // CPU the process may use (see usable_cpu_count: affinity and cgroup quota).
  FileSource(std::vector<std::filesystem::path> inputs, FileNameFilter takes, std::uintmax_t max_file_bytes,
             FileHandlerFactory handlers, unsigned threads = 0);
  ~FileSource();
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  // The next file in order, or nothing after the last. Rethrows a failure of
  // the source's thread itself (not a file's ParseError, which is in the
  // result), such as OutOfResources: a file or directory that could not be
  // opened for want of file descriptors or memory ends the walk (see
  // out_of_resources.h).
  std::optional<LoadedFile> next();

  // Asks the walk to end as soon as it can, without waiting for it (the
  // destructor asks, then waits): next() then gives at most the files already
  // handed over, then nothing.
  void stop();

  // The threads the walk and the loading run on (the source's own included).
  unsigned threads() const { return threads_; }

  // The bytes of the files handed over and not yet written (the file next()
  // returned counts until it is called again): what the source bounds.
  std::size_t in_flight_bytes() {
    std::lock_guard lock(mutex_);
    return in_flight_bytes_;
  }

  // The directories the walk has listed so far: how far it went.
  std::size_t directories_listed() const { return directories_listed_.load(std::memory_order_relaxed); }

 private:
  class Walk;
  void run();

  std::vector<std::filesystem::path> inputs_;
  FileNameFilter takes_;
  std::uintmax_t max_file_bytes_;
  FileHandlerFactory handlers_;
  unsigned threads_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<LoadedFile> queue_;
  std::deque<LoadedFile> taken_;  // the consumer's side: taken from queue_ in one go
  // What the files handed over and not yet written hold (memory_size).
  std::size_t in_flight_bytes_ = 0;
  // The consumer's side: the file returned last, and what it has written
  // since it last released bytes.
  std::size_t last_bytes_ = 0, written_bytes_ = 0;
  bool done_ = false;
  // Written under mutex_ (hand_over waits on it), read without it by the walk.
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> directories_listed_{0};
  std::exception_ptr failure_;
  std::thread thread_;
};

// A file's stamp, from what fstat() or stat() said of it.
FileStamp stamp_of(const struct stat& st);

// Closes a file descriptor on every path out.
struct Fd {
  int fd;
  ~Fd();
};

// Reads the file at `path` whole, as the walk reads the files it finds: for a
// file read again (a streamed page). Throws ParseError (line 0) when it cannot
// be read, is over `max_bytes`, or changes while read; OutOfResources when
// the process is out of file descriptors or memory (as the walk does).
PaddedBuffer read_file_again(const std::string& path, std::uintmax_t max_bytes);

// A stable fingerprint of a file's bytes (XXH3, 128 bits, and the length).
std::string content_fingerprint(std::string_view bytes);
// The same, of an XXH3-128 hash (its two halves) of `size` bytes hashed a piece at a time.
std::string format_fingerprint(std::uint64_t high, std::uint64_t low, std::uint64_t size);

}  // namespace cachedb
