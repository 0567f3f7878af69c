#include "ingest/hash_ahead.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <xxhash.h>

#include "formats/spack_index/sha256.h"
#include "ingest/file_source.h"

namespace cachedb {
namespace {

// The thread's priority while the indexes are read: below every other
// thread's, so that it takes only what the others leave. SCHED_IDLE needs no
// privilege (Linux); leaving it does (below), and a thread left idle-only on
// a busy machine may not run for seconds: not even to end, and the process
// ends only once each of its threads has. So the thread is made idle-only
// only where the process may make it normal again, as resume() does.
bool make_idle_only() {
  sched_param none{};
  return pthread_setschedparam(pthread_self(), SCHED_IDLE, &none) == 0;
}

bool make_normal(std::thread::native_handle_type thread) {
  sched_param none{};
  return pthread_setschedparam(thread, SCHED_OTHER, &none) == 0;
}

// Whether an idle-only thread of this process may be made normal again:
// with CAP_SYS_NICE, or a RLIMIT_NICE that lets a thread go back to nice 0
// (sched(7); Debian's default soft limit is 0, and a container's root often
// lacks CAP_SYS_NICE).
bool may_leave_idle() {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NICE, &limit) == 0 && (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= 20)) return true;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  return (data[CAP_SYS_NICE / 32].effective & (1u << (CAP_SYS_NICE % 32))) != 0;
}

// hash_file(), and nothing when it throws (out of memory, or libcrypto
// failing): the run then reads the file again to check it.
std::optional<HashedFile> hash_or_nothing(const HashAhead::File& f, const std::function<bool()>& keep_going,
                                          std::vector<char>& buf) {
  try {
    return HashAhead::hash_file(f, keep_going, buf);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<HashedFile> HashAhead::hash_file(const File& f, const std::function<bool()>& keep_going,
                                               std::vector<char>& buf) {
  // Not a FIFO: opening one would wait for its writer, and take its bytes from the run's reader.
  struct stat found {};
  if (::stat(f.path.c_str(), &found) != 0 || !S_ISREG(found.st_mode)) return std::nullopt;
  Fd file{::open(f.path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(file.fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  HashedFile out;
  out.stamp = stamp_of(st);
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> xxh(XXH3_createState(), &XXH3_freeState);
  if (!xxh) return std::nullopt;
  XXH3_128bits_reset(xxh.get());
  std::optional<spack_index::Sha256> sha;
  if (f.sha256) sha.emplace();
  for (;;) {
    if (!keep_going()) return std::nullopt;
    const ssize_t n = ::read(file.fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    const auto got = static_cast<std::size_t>(n);
    XXH3_128bits_update(xxh.get(), buf.data(), got);
    if (sha) sha->update(buf.data(), got);
    out.size += got;
  }
  const XXH128_hash_t h = XXH3_128bits_digest(xxh.get());
  out.fingerprint = format_fingerprint(h.high64, h.low64, out.size);
  if (sha) out.sha256 = sha->hex();
  return out;
}

// The thread's and the object's. Under `mutex`: resumed, finished, done.
struct HashAhead::State {
  State(std::vector<File> f, BeforeFile before)
      : files(std::move(f)), claimed(new std::atomic<bool>[files.size()]), done(files.size()),
        before_file(std::move(before)) {
    for (std::size_t i = 0; i < files.size(); ++i) claimed[i].store(files[i].path.empty(), std::memory_order_relaxed);
  }
  // Whether file `i` is still to be hashed, and now by the caller (the
  // thread, or finish()): each is hashed once, unless the thread stalls on it.
  // (Sequentially consistent: finish() claims every file, then reads
  // `current`; the thread sets `current` before it claims.)
  bool claim(std::size_t i) { return !claimed[i].exchange(true); }
  bool stopped() const { return stop.load(std::memory_order_relaxed); }

  const std::vector<File> files;
  const std::unique_ptr<std::atomic<bool>[]> claimed;
  std::atomic<bool> stop{false};
  // The file the thread is hashing (kNone: none), and the bytes it has read
  // in all, for finish() to tell a thread that moves from one that stalled.
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::atomic<std::size_t> current{kNone};
  std::atomic<std::uint64_t> progress{0};
  std::mutex mutex;
  std::condition_variable resumed_cv, done_cv;
  bool resumed = false;
  bool idle_only = false;  // the thread is, until resume()
  bool finished = false;  // finish() took `done`: the thread stores nothing more
  std::vector<std::optional<HashedFile>> done;
  const BeforeFile before_file;
};

HashAhead::HashAhead(std::vector<File> files, Start start, BeforeFile before_file)
    : state_(std::make_shared<State>(std::move(files), std::move(before_file))) {
  try {
    thread_ = std::thread([state = state_, start] { run(state, start); });
  } catch (const std::system_error&) {
    // No thread: finish() hashes every file.
  }
}

HashAhead::~HashAhead() {
  bool idle_only;
  {
    std::lock_guard lock(state_->mutex);
    state_->stop.store(true, std::memory_order_relaxed);
    // Not left idle-only: it could then hold the end of the process up.
    if (state_->idle_only && thread_.joinable() && make_normal(thread_.native_handle())) state_->idle_only = false;
    idle_only = state_->idle_only;
  }
  state_->resumed_cv.notify_all();
  if (!thread_.joinable()) return;
  // It stops at its next read. One still idle-only may be starved by the
  // machine's other work: it is left to end by itself, with its own share
  // of the state.
  if (idle_only) thread_.detach();
  else thread_.join();
}

std::optional<HashedFile> HashAhead::take(std::size_t i) const {
  std::lock_guard lock(state_->mutex);
  if (state_->finished || i >= state_->done.size()) return std::nullopt;  // or finish() has them
  return state_->done[i];
}

void HashAhead::resume() {
  {
    std::lock_guard lock(state_->mutex);
    state_->resumed = true;
    // What is left is the run's own work: at the priority of its other threads.
    if (state_->idle_only && thread_.joinable() && make_normal(thread_.native_handle())) state_->idle_only = false;
  }
  state_->resumed_cv.notify_all();
}

void HashAhead::wait() {
  if (thread_.joinable()) thread_.join();
}

std::vector<std::optional<HashedFile>> HashAhead::finish() {
  State& s = *state_;
  resume();
  std::vector<char> buf(kBufferBytes);
  std::vector<bool> mine(s.files.size());
  for (std::size_t i = 0; i < s.files.size(); ++i)
    if (s.claim(i)) hash_into(s, i, buf), mine[i] = true;
  // Every file is claimed: the thread hashes one at most, and begins no other.
  // Waited for while it moves; hashed here too when it does not.
  for (;;) {
    const std::size_t i = s.current.load();
    if (i == State::kNone || mine[i]) break;  // (one it came to too late)
    const std::uint64_t before = s.progress.load(std::memory_order_relaxed);
    std::unique_lock lock(s.mutex);
    if (s.done_cv.wait_for(lock, kPatience, [&] { return s.current.load() != i; })) continue;
    if (s.progress.load(std::memory_order_relaxed) - before >= kMinProgress) continue;
    s.stop.store(true, std::memory_order_relaxed);
    lock.unlock();
    auto hashed = hash_or_nothing(s.files[i], [] { return true; }, buf);
    lock.lock();
    if (!s.done[i]) s.done[i] = std::move(hashed);
    ++taken_over_;
    break;
  }
  // The thread has no file left; it ends when it next runs (not waited for:
  // that may be long on a busy machine).
  s.stop.store(true, std::memory_order_relaxed);
  std::lock_guard lock(s.mutex);
  s.finished = true;
  return std::move(s.done);
}

void HashAhead::hash_into(State& s, std::size_t i, std::vector<char>& buf) {
  auto hashed = hash_or_nothing(s.files[i], [&s] { return !s.stopped(); }, buf);
  std::lock_guard lock(s.mutex);
  if (!s.finished && !s.done[i]) s.done[i] = std::move(hashed);
}

void HashAhead::run(const std::shared_ptr<State>& state, Start start) {
  pthread_setname_np(pthread_self(), "cachedb-hash");  // tells the threads apart in perf and top
  State& s = *state;
  std::vector<char> buf(kBufferBytes);
  // One file, when not claimed yet: marked as the thread's while it is
  // hashed (from before it is claimed), its reads counted.
  auto hash_one = [&](std::size_t i) {
    s.current.store(i);
    if (!s.claim(i)) {
      s.current.store(State::kNone);
      s.done_cv.notify_all();
      return false;
    }
    if (s.before_file) s.before_file(i);
    auto hashed = hash_or_nothing(
        s.files[i],
        [&s] {
          s.progress.fetch_add(kBufferBytes, std::memory_order_relaxed);
          return !s.stopped();
        },
        buf);
    {
      std::lock_guard lock(s.mutex);
      // Stopped: it may have given up on the file, and finish() has hashed it.
      if (!s.finished && !s.done[i] && !(s.stopped() && !hashed)) s.done[i] = std::move(hashed);
      s.current.store(State::kNone);
    }
    s.done_cv.notify_all();
    return true;
  };
  if (start == Start::all_now) {
    for (std::size_t i = 0; i < s.files.size() && !s.stopped(); ++i) hash_one(i);
    return;
  }
  // Half of the bytes while the indexes are read, on idle cores only (none
  // where the thread cannot be made idle-only); the rest once resumed.
  std::uint64_t total = 0, hashed = 0;
  std::vector<std::uint64_t> size(s.files.size());
  for (std::size_t i = 0; i < s.files.size(); ++i) {
    const File& f = s.files[i];
    struct stat st {};
    if (f.size >= 0) size[i] = static_cast<std::uint64_t>(f.size);
    else if (!f.path.empty() && ::stat(f.path.c_str(), &st) == 0) size[i] = static_cast<std::uint64_t>(st.st_size);
    if (!f.path.empty()) total += size[i];
  }
  bool idle_only = false;
  {
    std::lock_guard lock(s.mutex);
    if (!s.resumed && !s.stopped() && may_leave_idle()) idle_only = s.idle_only = make_idle_only();
  }
  bool resumed = false;
  for (std::size_t i = s.files.size(); i-- > 0;) {
    if (!resumed && (!idle_only || 2 * hashed >= total)) {
      std::unique_lock lock(s.mutex);
      s.resumed_cv.wait(lock, [&s] { return s.resumed || s.stopped(); });
      resumed = true;
    }
    if (s.stopped()) return;
    if (hash_one(i)) hashed += size[i];
  }
}

}  // namespace cachedb
