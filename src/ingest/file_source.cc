#include "ingest/file_source.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <fmt/format.h>
#include <xxhash.h>

#include "ingest/cpu_count.h"
#include "ingest/file_walker.h"
#include "ingest/job_pool.h"
#include "util/out_of_resources.h"

namespace cachedb {
namespace {

// Enough read-ahead to keep the writer busy, small enough to keep memory flat:
// at most this many files queued, and this many bytes of files handed over
// and not yet written (queued, or taken by the writer), whatever the files'
// sizes: a file larger than that waits until the writer has written every
// file before it, and is then the only one in flight.
constexpr std::size_t kMaxQueuedFiles = 256;
constexpr std::size_t kMaxInFlightBytes = 2u << 20;
// A batch is handed over when it holds this many files or bytes (two batches
// of unchanged files fill the queue; a batch of files read is bounded by bytes).
constexpr std::size_t kBatchFiles = 128;
constexpr std::size_t kBatchBytes = 256u << 10;

// A file that cannot be opened (permissions, a file gone since the walk, a FIFO
// swapped in): passed over with a warning, like the FIFOs the walk passes over
// (unless `error` says the process is out of resources: see out_of_resources.h).
struct Unreadable {
  std::string why;
  int error = 0;  // the errno, 0 for "not a regular file"
};

[[noreturn]] void throw_unreadable(const char* doing) {
  const int error = errno;
  throw Unreadable{fmt::format("{}: {}", doing, std::strerror(error)), error};
}

// Reads a whole regular file, into a buffer it is then parsed in; throws
// Unreadable, or ParseError (line 0) for a file over `max_bytes` or one that
// changes while read.
PaddedBuffer read_whole_file(int dir_fd, const char* name, std::uintmax_t max_bytes, FileStamp& stamp) {
  // O_NONBLOCK: a FIFO swapped in after the walk must not hang the run.
  Fd f{::openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (f.fd < 0) throw_unreadable("cannot open");
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw_unreadable("cannot stat");
  if (!S_ISREG(st.st_mode)) throw Unreadable{"not a regular file"};
  stamp = stamp_of(st);
  const auto size = static_cast<std::uintmax_t>(st.st_size);
  if (size > max_bytes)
    throw ParseError(0, fmt::format("file is {} bytes, over the {}-byte page limit (--max-page-bytes)", size,
                                    max_bytes));
  PaddedBuffer bytes(static_cast<std::size_t>(size));
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(f.fd, bytes.data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && is_out_of_resources(errno)) throw_unreadable("cannot read");
    if (n < 0) throw ParseError(0, fmt::format("read failed: {}", std::strerror(errno)));
    if (n == 0) throw ParseError(0, fmt::format("file shrank while being read ({} of {} bytes)", got, size));
    got += static_cast<std::size_t>(n);
  }
  return bytes;
}

}  // namespace

PaddedBuffer read_file_again(const std::string& path, std::uintmax_t max_bytes) {
  FileStamp stamp;
  try {
    return read_whole_file(AT_FDCWD, path.c_str(), max_bytes, stamp);
  } catch (const Unreadable& u) {
    // As for the walk: a process out of file descriptors or memory fails the
    // run (nothing changed), rather than rejecting a page it could not read.
    if (is_out_of_resources(u.error)) throw OutOfResources(path, u.why);
    throw ParseError(0, u.why);
  }
}

FileStamp stamp_of(const struct stat& st) {
  return {static_cast<std::int64_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

Fd::~Fd() {
  if (fd >= 0) ::close(fd);
}

std::string content_fingerprint(std::string_view bytes) {
  const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  return format_fingerprint(h.high64, h.low64, bytes.size());
}

std::string format_fingerprint(std::uint64_t high, std::uint64_t low, std::uint64_t size) {
  return fmt::format("xxh3-128:{:016x}{:016x}:{}", high, low, size);
}

namespace {

// A file to load, a directory to list, a directory listed, or a file loaded:
// one step of the walk.
struct WalkItem {
  enum class Kind { Loaded, Directory, Files, Listed } kind = Kind::Loaded;
  bool follow = false;                         // Directory: follow a link (inputs only)
  // Directory: where `name` is, or null when `name` is a path. Files: where
  // `files` are, or null when they are paths. Listed: the directory listed.
  std::shared_ptr<const std::string> parent;
  // The large directory `parent` names, kept open while its entries are
  // walked: they are opened relative to it, which spares the kernel the walk
  // of the whole path for each of them. Null elsewhere (a deep tree of small
  // directories would otherwise hold a descriptor per level).
  std::shared_ptr<const Directory> parent_dir;
  std::string name;                            // Directory
  std::unique_ptr<std::vector<std::string>> files;  // Files: files still to load
  std::unique_ptr<LoadedFile> file;            // Loaded: what the file is, or why it was passed over
  std::unique_ptr<Listing> listing;            // Listed: a large directory's entries

  bool needs_job() const { return kind == Kind::Directory || kind == Kind::Files; }
  std::string path() const { return parent ? join_path(*parent, name) : name; }
};

WalkItem loaded(LoadedFile file) {
  WalkItem item;
  item.file = std::make_unique<LoadedFile>(std::move(file));
  return item;
}

// `path` is absolute.
WalkItem passed_over(std::string path, std::string why, bool unreadable) {
  return loaded(PassedOver{std::move(path), std::move(why), unreadable});
}

WalkItem directory(std::shared_ptr<const std::string> parent, std::string name) {
  WalkItem item;
  item.kind = WalkItem::Kind::Directory;
  item.parent = std::move(parent);
  item.name = std::move(name);
  return item;
}

// Appends a file to load to `items`: to its last chunk of files, or a new one.
// `file` is a path, or a name in the directory `dir` open as `dir_handle`.
void add_file_to_load(std::vector<WalkItem>& items, std::string file, std::size_t per_chunk,
                      const std::shared_ptr<const std::string>& dir = nullptr,
                      const std::shared_ptr<const Directory>& dir_handle = nullptr) {
  if (items.empty() || items.back().kind != WalkItem::Kind::Files || items.back().files->size() >= per_chunk ||
      items.back().parent_dir != dir_handle) {
    items.emplace_back();
    items.back().kind = WalkItem::Kind::Files;
    items.back().files = std::make_unique<std::vector<std::string>>();
    items.back().parent = dir;
    items.back().parent_dir = dir_handle;
  }
  items.back().files->push_back(std::move(file));
}

// What a job gives back: the items it found, in order.
struct JobResult {
  std::vector<WalkItem> items;
  bool large = false;  // it listed a large directory
};

// What one loading thread owns.
struct LoadContext {
  std::unique_ptr<FileHandler> handler;
};

// A job loads files up to this many (or this many bytes, whichever comes
// first); a directory with more entries than this is handed back listed, and
// its entries become jobs of their own.
constexpr std::size_t kJobFiles = 64;
constexpr std::size_t kJobBytes = 128u << 10;
// Jobs submitted ahead of the one the walk waits for, per directory level, and
// sibling directories listed by one job. A job costs a few futex calls and
// context switches: at 16 package directories a job (and 64 files a hand-over)
// an unchanged 1M-row tree took 8.2k context switches, not 4.8k, and 3% more
// CPU than at 64 (and 128).
constexpr std::size_t kLookahead = 4;
constexpr std::size_t kGroup = 64;
// A large directory's entries are turned into items this many at a time, so
// that a release of 40k packages is held as its packed listing, not as items.
constexpr std::size_t kItemsAtOnce = 256;

// How far the walk of one level runs ahead: one job at first, so that a level
// of large directories (releases, say) is listed one at a time; the whole
// lookahead once a small directory is seen.
struct Pace {
  std::size_t lookahead = 1, group = 1;
};

}  // namespace

// The walk itself, run on the source's thread: it lists directories and loads
// files through the pool, and hands them over in the walk's order.
class FileSource::Walk {
 public:
  using Pool = JobPool<std::vector<WalkItem>, JobResult, LoadContext>;

  Walk(FileSource& loader, unsigned workers)
      : loader_(loader),
        cwd_(working_directory()),
        own_{handler()},
        pool_(workers, [this] { return LoadContext{handler()}; },
              [this](std::vector<WalkItem>& items, LoadContext& context) { return run_job(items, context); }) {}

  // Walks every input; false when the loader was stopped.
  bool run() {
    std::vector<WalkItem> top;
    for (const auto& input : loader_.inputs_) {
      std::error_code ec;
      const auto st = std::filesystem::status(input, ec);
      if (ec && is_out_of_resources(ec.value()))
        throw OutOfResources(absolute(input.string()), "cannot stat: " + ec.message());
      WalkItem item;
      if (std::filesystem::is_regular_file(st)) {
        item.kind = WalkItem::Kind::Files;
        item.files = std::make_unique<std::vector<std::string>>(1, input.string());
      } else if (std::filesystem::is_directory(st)) {
        item = directory(nullptr, input.string());
        item.follow = true;
      } else {
        item = passed_over(absolute(input.string()), "not a regular file or directory", false);
      }
      top.push_back(std::move(item));
    }
    Pace pace;
    return walk(top, pace) && hand_over();
  }

 private:
  // Hands the files of `items` over in order, running the jobs of those
  // that need one through the pool, ahead of time.
  bool walk(std::vector<WalkItem>& items, Pace& pace) {
    struct Ahead {
      std::size_t end;  // the job covers items[..end)
      std::shared_ptr<Pool::Job> job;
    };
    std::deque<Ahead> ahead;
    std::size_t next = 0;
    // Submits jobs for the items from `next`: runs of consecutive items that
    // need one, `group` items to a job (a job costs a few futex calls, more
    // than listing one small directory).
    auto fill = [&] {
      while (next < items.size() && ahead.size() < pace.lookahead) {
        if (!items[next].needs_job()) {
          ++next;
          continue;
        }
        std::vector<WalkItem> run;
        for (; next < items.size() && items[next].needs_job() && run.size() < pace.group; ++next)
          run.push_back(std::move(items[next]));
        ahead.push_back({next, pool_.submit(std::move(run))});
      }
    };
    for (std::size_t i = 0; i < items.size(); ++i) {
      // Looked for at each step, not only when files are handed over: a tree
      // of directories holding no file would otherwise be walked to its end
      // after the writer failed, or while the source is being destroyed.
      if (stopping()) return false;
      fill();
      if (items[i].kind == WalkItem::Kind::Listed) {
        if (!walk_listing(items[i].parent, items[i].parent_dir, std::move(items[i].listing))) return false;
        continue;
      }
      if (!items[i].needs_job()) {
        if (!emit(std::move(*items[i].file))) return false;
        items[i].file.reset();
        continue;
      }
      // The first job ahead starts at this item: every item before it is done.
      JobResult result = pool_.take(ahead.front().job, own_);
      i = ahead.front().end - 1;
      ahead.pop_front();
      // A level of large directories (releases) goes one at a time again.
      pace = result.large ? Pace{} : Pace{kLookahead, kGroup};
      fill();
      Pace inner;
      if (!walk(result.items, inner)) return false;
    }
    return true;
  }

  // Walks a large directory's entries, turning a few hundred at a time into items.
  // Its entries are opened relative to `dir`, the directory itself.
  bool walk_listing(const std::shared_ptr<const std::string>& path, const std::shared_ptr<const Directory>& dir,
                    std::unique_ptr<Listing> listing) {
    Pace pace;
    std::vector<WalkItem> items;
    for (std::size_t begin = 0; begin < listing->size(); begin += kItemsAtOnce) {
      items.clear();
      for (std::size_t i = begin; i < std::min(listing->size(), begin + kItemsAtOnce); ++i) {
        const WalkEntry& e = listing->entries[i];
        const char* name = listing->name(e);
        switch (e.kind) {
          case WalkEntry::Kind::File:
            add_file_to_load(items, name, kJobFiles, path, dir);
            break;
          case WalkEntry::Kind::PassedOver:
            items.push_back(passed_over_entry(*path, name, e));
            break;
          case WalkEntry::Kind::Directory:
            items.push_back(directory(path, name));
            items.back().parent_dir = dir;
            break;
        }
      }
      if (!walk(items, pace)) return false;
    }
    return true;
  }

  // One loading thread's handler (made on the source's thread).
  std::unique_ptr<FileHandler> handler() { return loader_.handlers_(); }

  JobResult run_job(std::vector<WalkItem>& items, LoadContext& context) {
    JobResult result;
    std::vector<WalkItem>& out = result.items;
    std::size_t files = 0, bytes = 0;
    // The next file: loaded here while this job has room, else left to another job.
    auto file = [&](int dir_fd, const char* name, std::string path) {
      if (files < kJobFiles && bytes < kJobBytes) {
        LoadedFile f = load(dir_fd, name, std::move(path), context);
        ++files;
        bytes += memory_size(f);
        out.push_back(loaded(std::move(f)));
        return;
      }
      add_file_to_load(out, std::move(path), kJobFiles);
    };
    for (auto& item : items) {
      // Stopped: what this job leaves undone is never looked at (the walk
      // stops as soon as it takes the job back).
      if (stopping()) break;
      if (result.large) {
        // One large listing to a job: the siblings after it go back unlisted,
        // to be listed once it has been walked.
        out.push_back(std::move(item));
        continue;
      }
      if (item.kind == WalkItem::Kind::Files) {
        for (auto& name : *item.files) {
          if (item.parent_dir) file(item.parent_dir->fd(), name.c_str(), join_path(*item.parent, name));
          else file(AT_FDCWD, name.c_str(), name);
        }
        continue;
      }
      auto path = std::make_shared<const std::string>(item.path());
      std::shared_ptr<Directory> dir;
      Listing listing;
      try {
        dir = item.parent_dir ? std::make_shared<Directory>(item.parent_dir->fd(), item.name, item.follow)
                              : std::make_shared<Directory>(AT_FDCWD, *path, item.follow);
        listing = dir->list(loader_.takes_);
        loader_.directories_listed_.fetch_add(1, std::memory_order_relaxed);
      } catch (const std::system_error& e) {
        const std::string why = "cannot read directory: " + e.code().message();
        if (is_out_of_resources(e.code().value())) throw OutOfResources(absolute(*path), why);
        out.push_back(passed_over(absolute(*path), why, true));
        continue;
      }
      if (listing.size() > kJobFiles) {
        // A large directory (a release's) is handed back listed, and walked
        // before its next sibling is listed.
        result.large = true;
        out.emplace_back();
        out.back().kind = WalkItem::Kind::Listed;
        out.back().parent = std::move(path);
        out.back().parent_dir = std::move(dir);
        out.back().listing = std::make_unique<Listing>(std::move(listing));
        continue;
      }
      for (const auto& e : listing.entries) {
        const char* name = listing.name(e);
        switch (e.kind) {
          case WalkEntry::Kind::File: file(dir->fd(), name, join_path(*path, name)); break;
          case WalkEntry::Kind::PassedOver:
            out.push_back(passed_over_entry(*path, name, e));
            break;
          case WalkEntry::Kind::Directory: out.push_back(directory(path, name)); break;
        }
      }
    }
    return result;
  }

  // The source is being destroyed, or its consumer gave up: the walk ends.
  bool stopping() const { return loader_.stop_.load(std::memory_order_relaxed); }

  // An entry of a listing passed over (a FIFO, a dangling link, one that could
  // not be looked at), unless it could not be looked at for want of memory.
  WalkItem passed_over_entry(const std::string& dir, const char* name, const WalkEntry& e) const {
    std::string path = absolute(join_path(dir, name));
    if (is_out_of_resources(e.error)) throw OutOfResources(path, e.why());
    return passed_over(std::move(path), e.why(), e.unreadable);
  }

  // Paths are logged and stored absolute, so that a run's log names files
  // unambiguously whatever directory cron started it in.
  std::string absolute(std::string path) const { return absolute_from(cwd_, std::move(path)); }

  // Loads the file `name` in the directory open as `dir_fd`; `path` names it.
  LoadedFile load(int dir_fd, const char* name, std::string path, LoadContext& context) {
    SourceFile file;
    file.path = absolute(std::move(path));
    FileHandler* handler = context.handler.get();
    try {
      // One stat() tells an unchanged file from the rest without opening it.
      struct stat st {};
      if (handler->looks_before_reading() && ::fstatat(dir_fd, name, &st, 0) == 0 &&
          S_ISREG(st.st_mode)) {
        file.stamp = stamp_of(st);
        if (auto known = handler->before_reading(file.path, file.stamp)) return std::move(*known);
      }
      file.bytes = read_whole_file(dir_fd, name, loader_.max_file_bytes_, file.stamp);
    } catch (const Unreadable& u) {
      if (is_out_of_resources(u.error)) throw OutOfResources(file.path, u.why);
      return PassedOver{std::move(file.path), u.why, true};
    } catch (const ParseError& e) {
      return Rejected{std::move(file.path), file.stamp, e};
    }
    file.fingerprint = content_fingerprint(file.bytes.view());
    return handler->read(std::move(file));
  }

  // Files cross to the writer in batches: handing them over one at a time
  // cost two context switches per file, more than an unchanged file's work.
  bool emit(LoadedFile file) {
    batch_bytes_ += memory_size(file);
    batch_.push_back(std::move(file));
    if (batch_.size() >= kBatchFiles || batch_bytes_ >= kBatchBytes) return hand_over();
    return true;
  }

  // Hands the batch over, waiting while the queue is full. False when stopped.
  bool hand_over() {
    std::unique_lock lock(loader_.mutex_);
    loader_.changed_.wait(lock, [&] {
      return loader_.stop_ || loader_.in_flight_bytes_ == 0 ||
             (loader_.queue_.size() + batch_.size() <= kMaxQueuedFiles &&
              loader_.in_flight_bytes_ + batch_bytes_ <= kMaxInFlightBytes);
    });
    if (loader_.stop_) return false;
    for (auto& file : batch_) loader_.queue_.push_back(std::move(file));
    loader_.in_flight_bytes_ += batch_bytes_;
    batch_.clear();
    batch_bytes_ = 0;
    loader_.changed_.notify_all();
    return true;
  }

  FileSource& loader_;
  std::string cwd_;  // with a trailing slash
  LoadContext own_;
  std::vector<LoadedFile> batch_;
  std::size_t batch_bytes_ = 0;
  Pool pool_;  // last: its workers stop before what they use goes
};

FileSource::FileSource(std::vector<std::filesystem::path> inputs, FileNameFilter takes, std::uintmax_t max_file_bytes,
                       FileHandlerFactory handlers, unsigned threads)
    : inputs_(std::move(inputs)),
      takes_(takes),
      max_file_bytes_(max_file_bytes),
      handlers_(std::move(handlers)),
      threads_(threads ? threads : usable_cpu_count()) {
  // The loading threads make do with fewer when some cannot start, but the
  // walk needs this one.
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    throw OutOfResources(fmt::format("cannot start a thread to read the files: {} (a limit is reached: on the "
                                     "user's processes and threads, ulimit -u, or on the address space, ulimit -v)",
                                     e.code().message()));
  }
}

FileSource::~FileSource() {
  stop();
  thread_.join();
}

void FileSource::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
}

void FileSource::run() {
  pthread_setname_np(pthread_self(), "cachedb-loader");  // tells the threads apart in perf and top
  try {
    // The loader thread walks and loads too: the pool adds the other CPUs.
    Walk walk(*this, threads_ - 1);
    walk.run();  // false when stopped: then what was handed over is all there is
  } catch (...) {
    std::lock_guard lock(mutex_);
    failure_ = std::current_exception();
  }
  std::lock_guard lock(mutex_);
  done_ = true;
  changed_.notify_all();
}

std::optional<LoadedFile> FileSource::next() {
  // The file returned last time has been written: its bytes are released, a
  // batch's worth at a time (each release may wake the walk).
  written_bytes_ += last_bytes_;
  last_bytes_ = 0;
  if (taken_.empty() || written_bytes_ >= kBatchBytes) {
    std::unique_lock lock(mutex_);
    in_flight_bytes_ -= written_bytes_;
    written_bytes_ = 0;
    changed_.notify_all();
    if (taken_.empty()) {
      changed_.wait(lock, [&] { return !queue_.empty() || done_; });
      if (queue_.empty()) {
        if (failure_) std::rethrow_exception(failure_);
        return std::nullopt;
      }
      // Everything queued at once: the loader goes on while these are written.
      taken_.swap(queue_);
    }
  }
  LoadedFile file = std::move(taken_.front());
  taken_.pop_front();
  last_bytes_ = memory_size(file);
  return file;
}

}  // namespace cachedb
