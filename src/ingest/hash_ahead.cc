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

HashAhead::HashAhead(std::vector<File> files, std::size_t first, bool idle_only)
    : files_(std::move(files)), taken_(new std::atomic<bool>[files_.size()]), done_(files_.size()) {
  for (std::size_t i = 0; i < files_.size(); ++i) taken_[i].store(false, std::memory_order_relaxed);
  if (first >= files_.size()) return;
  try {
    thread_ = std::thread([this, first, idle_only] { run(first, idle_only); });
  } catch (const std::system_error&) {
    // No thread: every file is hashed by its reader, as without this.
  }
}

HashAhead::~HashAhead() {
  stop_.store(true, std::memory_order_relaxed);
  wait();
}

void HashAhead::wait() {
  if (thread_.joinable()) thread_.join();
}

std::optional<HashedFile> HashAhead::take(std::size_t i) {
  if (i >= files_.size()) return std::nullopt;
  taken_[i].store(true, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  std::optional<HashedFile> out = std::move(done_[i]);
  done_[i].reset();  // a moved-from optional still holds a value
  return out;
}

void HashAhead::run(std::size_t first, bool idle_only) {
  if (idle_only && !make_idle_only()) return;
  std::vector<char> buf(kBufferBytes);
  for (std::size_t i = first; i < files_.size(); ++i) {
    if (files_[i].path.empty()) continue;
    // Given up as soon as its reader has it: from then on the reader hashes it.
    auto keep_going = [&] {
      return !stop_.load(std::memory_order_relaxed) && !taken_[i].load(std::memory_order_relaxed);
    };
    if (!keep_going()) {
      if (stop_.load(std::memory_order_relaxed)) return;
      continue;
    }
    std::optional<HashedFile> hashed;
    try {
      hashed = hash_file(files_[i], keep_going, buf);
    } catch (const std::exception&) {
      // Out of memory, or libcrypto failing: the reader hashes it, and says so if it fails too.
    }
    if (!hashed) continue;
    std::lock_guard lock(mutex_);
    if (!taken_[i].load(std::memory_order_relaxed)) done_[i] = std::move(hashed);
  }
}

}  // namespace cachedb
