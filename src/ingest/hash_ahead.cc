#include "ingest/hash_ahead.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <xxhash.h>

#include "formats/spack_index/sha256.h"
#include "ingest/file_source.h"

namespace cachedb {
namespace {

// The thread's priority: below every other thread's, so that it takes only
// what the others leave. SCHED_IDLE needs no privilege (Linux).
bool make_idle_only() {
  sched_param none{};
  return pthread_setschedparam(pthread_self(), SCHED_IDLE, &none) == 0;
}

}  // namespace

std::optional<HashedFile> HashAhead::hash_file(const File& f, const std::function<bool()>& keep_going,
                                               std::vector<char>& buf) {
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

HashAhead::HashAhead(std::vector<File> files, Start start)
    : files_(std::move(files)), claimed_(new std::atomic<bool>[files_.size()]), done_(files_.size()) {
  for (std::size_t i = 0; i < files_.size(); ++i) claimed_[i].store(files_[i].path.empty(), std::memory_order_relaxed);
  try {
    thread_ = std::thread([this, start] { run(start); });
  } catch (const std::system_error&) {
    // No thread: finish() hashes every file.
  }
}

HashAhead::~HashAhead() {
  {
    std::lock_guard lock(mutex_);
    stop_.store(true, std::memory_order_relaxed);
  }
  resumed_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<HashedFile> HashAhead::take(std::size_t i) const {
  std::lock_guard lock(mutex_);
  if (i >= done_.size()) return std::nullopt;  // or finish() has them
  return done_[i];
}

void HashAhead::resume() {
  {
    std::lock_guard lock(mutex_);
    resumed_ = true;
  }
  resumed_cv_.notify_all();
}

void HashAhead::wait() {
  if (thread_.joinable()) thread_.join();
}

std::vector<std::optional<HashedFile>> HashAhead::finish() {
  resume();
  std::vector<char> buf(kBufferBytes);
  for (std::size_t i = 0; i < files_.size(); ++i)
    if (claim(i)) hash_into(i, buf);
  wait();
  std::lock_guard lock(mutex_);
  return std::move(done_);
}

void HashAhead::hash_into(std::size_t i, std::vector<char>& buf) {
  std::optional<HashedFile> hashed;
  try {
    hashed = hash_file(files_[i], [this] { return !stopped(); }, buf);
  } catch (const std::exception&) {
    // Out of memory, or libcrypto failing: no digests; the run reads the file again to check it.
  }
  std::lock_guard lock(mutex_);
  done_[i] = std::move(hashed);
}

void HashAhead::run(Start start) {
  pthread_setname_np(pthread_self(), "cachedb-hash");  // tells the threads apart in perf and top
  std::vector<char> buf(kBufferBytes);
  if (start == Start::all_now) {
    for (std::size_t i = 0; i < files_.size() && !stopped(); ++i)
      if (claim(i)) hash_into(i, buf);
    return;
  }
  // Half of the bytes while the indexes are read, on idle cores only (none
  // where the thread cannot be made idle-only); the rest once resumed.
  std::uint64_t total = 0, hashed = 0;
  std::vector<std::uint64_t> size(files_.size());
  for (std::size_t i = 0; i < files_.size(); ++i) {
    const File& f = files_[i];
    struct stat st {};
    if (f.size >= 0) size[i] = static_cast<std::uint64_t>(f.size);
    else if (!f.path.empty() && ::stat(f.path.c_str(), &st) == 0) size[i] = static_cast<std::uint64_t>(st.st_size);
    if (!f.path.empty()) total += size[i];
  }
  const bool idle_only = make_idle_only();
  bool resumed = false;
  for (std::size_t i = files_.size(); i-- > 0;) {
    if (!resumed && (!idle_only || 2 * hashed >= total)) {
      std::unique_lock lock(mutex_);
      resumed_cv_.wait(lock, [this] { return resumed_ || stopped(); });
      resumed = true;
    }
    if (stopped()) return;
    if (!claim(i)) continue;
    hash_into(i, buf);
    hashed += size[i];
  }
}

}  // namespace cachedb
