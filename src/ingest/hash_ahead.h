#pragma once
// Hashing the indexes of a run before their turn, on a thread that runs only
// when a core would otherwise idle (SCHED_IDLE): the sha256 that checks each
// index against its mirror, and the fingerprint that recognizes it next time,
// are an eighth of the CPU time of a load (1 GB of indexes: 0.58 of 4.3 CPU
// seconds), and the readers are idle for part of it (the writer alone stores
// the first release's root index, where every spec is new). A reader given a
// file's digests (take()) reads it without hashing it.
//
// A digest is taken with the file's stamp (size and modification time): the
// run uses it only for a file whose stamp is still the same, the trust the
// ingest already gives a stamp to find a file unchanged (as make and rsync
// do), and the reader checks that it read as many bytes as were hashed.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ingest/known_page.h"

namespace cachedb {

// What hashing a whole file gave.
struct HashedFile {
  FileStamp stamp;          // the file's, when it was opened
  std::uint64_t size = 0;   // the bytes hashed
  std::string fingerprint;  // content_fingerprint() of them
  std::string sha256;       // 64 hex digits; empty when not asked for
};

class HashAhead {
 public:
  struct File {
    std::string path;     // empty: nothing to hash (stdin, an input already rejected)
    bool sha256 = false;  // its mirror gives a sha256 to check it against
  };
  // Starts hashing files[first], files[first + 1]... in turn, each unless
  // taken before. Where the thread cannot be made idle-only (or started),
  // nothing is hashed: hashing at the readers' priority would only slow them.
  // `idle_only` false: at the caller's priority (tests, with wait()).
  HashAhead(std::vector<File> files, std::size_t first, bool idle_only = true);
  ~HashAhead();  // stops the hashing and waits for its thread
  HashAhead(const HashAhead&) = delete;
  HashAhead& operator=(const HashAhead&) = delete;

  // File `i` is about to be read: its digests when it was hashed whole; from
  // now on it is not hashed here (its reader hashes it).
  std::optional<HashedFile> take(std::size_t i);
  // Until every file is hashed (or the thread gave up).
  void wait();

  // What hashing a whole file gives, read through `buf` (not empty); nullopt
  // when it cannot be read or `keep_going` says to stop (checked between reads).
  static std::optional<HashedFile> hash_file(const File& f, const std::function<bool()>& keep_going,
                                             std::vector<char>& buf);
  // Big enough that a read costs little beyond its copy; below the size from
  // which malloc maps a block of its own (cli/main.cc), and kept for every file.
  static constexpr std::size_t kBufferBytes = 128u << 10;

 private:
  void run(std::size_t first, bool idle_only);

  std::vector<File> files_;
  std::unique_ptr<std::atomic<bool>[]> taken_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::optional<HashedFile>> done_;  // under mutex_
  std::thread thread_;
};

}  // namespace cachedb
