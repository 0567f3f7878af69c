#pragma once
// Walks the tree and reads, fingerprints and parses its pages on threads of
// its own, so that the one thread that may write to SQLite spends its time
// writing. Directories are listed and pages loaded by a small pool of threads
// (as many as the CPUs the process may use), yet pages come out in the walk's
// order; what is held between the threads is bounded in pages and bytes, so
// memory stays flat however large the tree.
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
#include <thread>
#include <vector>

#include "error.h"
#include "ingest/known_page.h"
#include "ingest/findings.h"
#include "parsing/page.h"

namespace cachedb {

struct LoadedPage {
  std::string path;                 // absolute
  std::string passed_over;          // set when this path was passed over, with why
  bool unreadable = false;          // passed over because it could not be read (stops --prune)
  FileStamp stamp;
  bool known_by_stamp = false;       // recognized by path, size and time, without reading it
  std::string fingerprint;           // of the file's bytes (empty when not read)
  std::optional<KnownPage> known;    // set when an identical file was ingested before
  std::optional<Page> page;          // set when parsed (not known, readable)
  std::optional<ParseError> error;   // set when the file could not be read or parsed
  std::vector<Finding> findings;     // meta disagreeing with spec_details, found here to spare the writer

  // What the parsed page holds (0 when none was parsed): what bounds the
  // loader's jobs and the pages in flight to the writer.
  std::size_t memory_size() const { return page ? page->memory_size() : 0; }
};

// Looks files up among the stored pages; called on the loader thread.
class KnownPages {
 public:
  virtual ~KnownPages() = default;
  virtual std::optional<KnownPage> by_stamp(const std::string& path, const FileStamp& stamp) = 0;
  virtual std::optional<KnownPage> by_content(const std::string& fingerprint) = 0;
};

// Makes the stored-page lookups for one loading thread. It may return null
// (or throw, and then a warning is logged): then that thread reads and parses
// every page, and the caller checks.
using KnownPagesFactory = std::function<std::unique_ptr<KnownPages>()>;

class PageLoader {
 public:
  // Walks `inputs` (files and directories). `threads` 0 means one per CPU the
  // process may use (see usable_cpu_count: affinity and cgroup quota).
  PageLoader(std::vector<std::filesystem::path> inputs, std::uintmax_t max_page_bytes, KnownPagesFactory known,
             unsigned threads = 0);
  ~PageLoader();
  PageLoader(const PageLoader&) = delete;
  PageLoader& operator=(const PageLoader&) = delete;

  // The next page in order, or nothing after the last. Rethrows a failure of
  // the loader thread itself (not a page's ParseError, which is in the result),
  // such as OutOfResources: a file or directory that could not be opened for
  // want of file descriptors or memory ends the walk (see out_of_resources.h).
  std::optional<LoadedPage> next();

  // Asks the walk to end as soon as it can, without waiting for it (the
  // destructor asks, then waits): next() then gives at most the pages already
  // handed over, then nothing.
  void stop();

  // The threads the walk and the loading run on (the loader's own included).
  unsigned threads() const { return threads_; }

  // The bytes of the pages handed over and not yet written (those next() has
  // returned count until it is called again): what the loader bounds.
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
  std::uintmax_t max_page_bytes_;
  KnownPagesFactory known_;
  unsigned threads_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<LoadedPage> queue_;
  std::deque<LoadedPage> taken_;  // the consumer's side: taken from queue_ in one go
  // What the pages handed over and not yet written hold (Page::memory_size).
  std::size_t in_flight_bytes_ = 0;
  // The consumer's side: the page returned last, and what it has written
  // since it last released bytes.
  std::size_t last_bytes_ = 0, written_bytes_ = 0;
  bool done_ = false;
  // Written under mutex_ (hand_over waits on it), read without it by the walk.
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> directories_listed_{0};
  std::exception_ptr failure_;
  std::thread thread_;
};

// Fingerprints and parses a page's bytes as the loader does (an empty page is
// rejected); `known`, when given, is asked first and spares the parse. The
// bytes are parsed in a copy, or, given as a PageBuffer, in place (the page
// keeps the buffer).
void load_bytes(LoadedPage& out, std::string_view bytes, KnownPages* known);
void load_bytes(LoadedPage& out, PageBuffer bytes, KnownPages* known);

// A stable fingerprint of a file's bytes (XXH3, 128 bits, and the length).
std::string content_fingerprint(std::string_view bytes);

}  // namespace cachedb
