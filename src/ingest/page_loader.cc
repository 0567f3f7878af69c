#include "ingest/page_loader.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <xxhash.h>

namespace cachedb {
namespace {

// Enough read-ahead to keep the writer busy, small enough to keep memory flat.
constexpr std::size_t kMaxQueuedPages = 256;
constexpr std::size_t kMaxQueuedBytes = 16u << 20;
// A batch is handed over when it holds this many pages or bytes.
constexpr std::size_t kBatchPages = 64;
constexpr std::size_t kBatchBytes = 1u << 20;

FileStamp stamp_of(const struct stat& st) {
  return {static_cast<std::int64_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

// Closes a file descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// A file that cannot be opened (permissions, a file gone since the walk, a FIFO
// swapped in): passed over with a warning, like the FIFOs the walk passes over.
struct Unreadable {
  std::string why;
};

// Reads a whole regular file; throws Unreadable, or ParseError (line 0) for a
// file too large to be a page or one that changes while read.
std::string read_file(const std::string& path, std::uintmax_t max_bytes, FileStamp& stamp) {
  // O_NONBLOCK: a FIFO swapped in after the walk must not hang the run.
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (f.fd < 0) throw Unreadable{fmt::format("cannot open: {}", std::strerror(errno))};
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw Unreadable{fmt::format("cannot stat: {}", std::strerror(errno))};
  if (!S_ISREG(st.st_mode)) throw Unreadable{"not a regular file"};
  stamp = stamp_of(st);
  const auto size = static_cast<std::uintmax_t>(st.st_size);
  if (size > max_bytes)
    throw ParseError(0, fmt::format("file is {} bytes, over the {}-byte page limit (--max-page-bytes)", size,
                                    max_bytes));
  std::string bytes(size, '\0');
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(f.fd, bytes.data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ParseError(0, fmt::format("read failed: {}", std::strerror(errno)));
    if (n == 0) throw ParseError(0, fmt::format("file shrank while being read ({} of {} bytes)", got, size));
    got += static_cast<std::size_t>(n);
  }
  return bytes;
}

}  // namespace

std::string content_fingerprint(std::string_view bytes) {
  const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  return fmt::format("xxh3-128:{:016x}{:016x}:{}", h.high64, h.low64, bytes.size());
}

void load_bytes(LoadedPage& out, std::string_view bytes, KnownPages* known) {
  try {
    // An empty file is most likely a truncated copy: rejecting it (rather
    // than skipping it) also keeps --prune from deleting what it held.
    if (bytes.empty()) throw ParseError(0, "empty file");
    out.fingerprint = content_fingerprint(bytes);
    if (known) {
      out.known = known->by_content(out.fingerprint);
    }
    if (!out.known) {
      out.page = parse_page(bytes);
      if (out.page->kind == PageKind::Cache) check_meta(*out.page, out.path, out.findings);
    }
  } catch (const ParseError& e) {
    out.error = e;
  }
}

PageLoader::PageLoader(PageWalker walker, std::uintmax_t max_page_bytes, std::unique_ptr<KnownPages> known)
    : walker_(std::move(walker)),
      max_page_bytes_(max_page_bytes),
      known_(std::move(known)),
      cwd_(std::filesystem::current_path().string() + "/") {
  thread_ = std::thread([this] { run(); });
}

PageLoader::~PageLoader() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

LoadedPage PageLoader::load(const std::string& path) {
  LoadedPage out;
  // Stored paths are absolute, so the log of a run names files unambiguously.
  out.path = !path.empty() && path.front() == '/' ? path : cwd_ + path;
  try {
    // One stat() tells an unchanged file from the rest without opening it.
    struct stat st {};
    if (known_ && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      out.stamp = stamp_of(st);
      if ((out.known = known_->by_stamp(out.path, out.stamp))) {
        out.known_by_stamp = true;
        return out;
      }
    }
    load_bytes(out, read_file(path, max_page_bytes_, out.stamp), known_.get());
  } catch (const Unreadable& u) {
    out.passed_over = u.why;
    out.unreadable = true;
  } catch (const ParseError& e) {
    out.error = e;
  }
  return out;
}

// Pages cross between the threads in batches: handing them over one at a
// time cost two context switches per page, more than an unchanged page's work.
void PageLoader::run() {
  pthread_setname_np(pthread_self(), "cachedb-loader");  // tells the threads apart in perf and top
  std::vector<LoadedPage> batch;
  std::size_t batch_bytes = 0;
  // Hands the batch over, waiting while the queue is full. False when stopped.
  auto hand_over = [&] {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] {
      return stop_ || queue_.empty() ||
             (queue_.size() + batch.size() <= kMaxQueuedPages && queued_bytes_ + batch_bytes <= kMaxQueuedBytes);
    });
    if (stop_) return false;
    for (auto& page : batch) queue_.push_back(std::move(page));
    queued_bytes_ += batch_bytes;
    batch.clear();
    batch_bytes = 0;
    changed_.notify_all();
    return true;
  };
  try {
    while (auto entry = walker_.next()) {
      LoadedPage page;
      if (entry->passed_over.empty()) {
        page = load(entry->path);
      } else {
        page.path = std::move(entry->path);
        page.passed_over = std::move(entry->passed_over);
        page.unreadable = entry->unreadable;
      }
      batch_bytes += page.page ? page.page->storage_size : 0;
      batch.push_back(std::move(page));
      if (batch.size() >= kBatchPages || batch_bytes >= kBatchBytes) {
        if (!hand_over()) return;
      }
    }
    if (!batch.empty() && !hand_over()) return;
  } catch (...) {
    std::lock_guard lock(mutex_);
    failure_ = std::current_exception();
  }
  std::lock_guard lock(mutex_);
  done_ = true;
  changed_.notify_all();
}

std::optional<LoadedPage> PageLoader::next() {
  if (taken_.empty()) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty() || done_; });
    if (queue_.empty()) {
      if (failure_) std::rethrow_exception(failure_);
      return std::nullopt;
    }
    // Everything queued at once: the loader goes on while these are written.
    taken_.swap(queue_);
    queued_bytes_ = 0;
    changed_.notify_all();
  }
  LoadedPage page = std::move(taken_.front());
  taken_.pop_front();
  return page;
}

}  // namespace cachedb
