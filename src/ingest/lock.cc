#include "ingest/lock.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "error.h"
#include "ingest/run_log.h"
#include "storage/database.h"
#include "util/process_gone.h"

namespace cachedb {
namespace {

namespace fs = std::filesystem;

// SQLite locks bytes 0x40000000 to 0x400001FF of a database file (the pending
// byte, the reserved byte and 510 shared bytes) and never stores data in the
// page that holds them; the ingest lock is a byte further in that page, which
// even the smallest page size (512) would not reach, and which no SQLite lock covers.
constexpr off_t kIngestLockByte = 0x40000000 + 0x200 + 0x100;

struct flock lock_request(short type) {
  struct flock request{};
  request.l_type = type;
  request.l_whence = SEEK_SET;
  request.l_start = kIngestLockByte;
  request.l_len = 1;
  request.l_pid = 0;  // required by the OFD requests
  return request;
}

// What the holder wrote into the lock file ("pid 1234, started ..."), if anything.
std::string holder(const fs::path& info) {
  const int fd = open(info.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return {};
  struct stat st{};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return {};
  }
  char buf[128];
  const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  close(fd);
  if (n <= 0) return {};
  std::string text(buf, static_cast<std::size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  // A holder that has only just taken the lock has not written its own note
  // yet: the one there names the ingest before it, whose process is gone.
  unsigned long pid = 0;
  if (std::sscanf(text.c_str(), "pid %lu,", &pid) == 1 && pid <= std::numeric_limits<pid_t>::max() &&
      process_gone(static_cast<pid_t>(pid)))
    return {};
  return text;
}

[[noreturn]] void another_ingest(const fs::path& db_path, const std::string& who) {
  throw Error(fmt::format("{}: another ingest is running on this database{}; this one stops without changing "
                          "anything",
                          db_path.string(), who.empty() ? "" : " (" + who + ")"));
}

}  // namespace

IngestLock::IngestLock(const fs::path& db_path) {
  db_fd_ = open(db_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644);
  if (db_fd_ < 0) {
    const int saved = errno;
    struct stat st{};
    const bool exists = stat(db_path.c_str(), &st) == 0;
    if (saved == EISDIR || (exists && S_ISDIR(st.st_mode)))
      throw Error(fmt::format("{}: is a directory, not a database file", db_path.string()));
    if (exists && (saved == EACCES || saved == EROFS || saved == EPERM))
      throw Error(fmt::format("{}: the database is read-only (the file is not writable: {})", db_path.string(),
                              std::strerror(saved)));
    throw Error(fmt::format("{}: cannot {} the database: {}", db_path.string(), exists ? "open" : "create",
                            std::strerror(saved)));
  }
  struct stat st{};
  if (fstat(db_fd_, &st) == 0 && st.st_nlink > 1) {
    close(db_fd_);
    db_fd_ = -1;
    throw hard_links_error(db_path, static_cast<unsigned long>(st.st_nlink));
  }

  // Two spellings of one database (a symlink, a relative path) find one info file.
  std::error_code ec;
  fs::path db = fs::weakly_canonical(db_path, ec);
  if (ec) db = db_path;
  const fs::path info = db.string() + ".lock";

  struct flock request = lock_request(F_WRLCK);
  if (fcntl(db_fd_, F_OFD_SETLK, &request) != 0) {
    const int saved = errno;
    close(db_fd_);
    db_fd_ = -1;
    if (saved == EAGAIN || saved == EACCES) another_ingest(db_path, holder(info));
    throw Error(fmt::format("{}: cannot lock the database: {}", db_path.string(), std::strerror(saved)));
  }

  info_fd_ = open(info.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (info_fd_ >= 0) {
    info_made_ = info;
  } else if (errno == EEXIST) {
    // Never through a link, nor into anything but a file: the info is
    // truncated and written, and whoever may write the directory could
    // otherwise point it at any file the job may write.
    info_fd_ = open(info.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    struct stat is{};
    const bool link = info_fd_ < 0 && errno == ELOOP;
    if (link || (info_fd_ >= 0 && (fstat(info_fd_, &is) != 0 || !S_ISREG(is.st_mode)))) {
      if (info_fd_ >= 0) close(info_fd_);
      info_fd_ = -1;
      spdlog::warn("{}: a link or not a file, so not the lock's note cachedb writes there: left as it is",
                   info.string());
    }
  }
  if (info_fd_ < 0) return;  // a read-only directory, or the above: the lock stands without it
  if (flock(info_fd_, LOCK_EX | LOCK_NB) != 0) {
    // Only an older cachedb holds this without the lock above.
    const int saved = errno;
    const std::string who = holder(info);
    close(info_fd_);
    info_fd_ = -1;
    close(db_fd_);
    db_fd_ = -1;
    if (saved == EWOULDBLOCK) another_ingest(db_path, who);
    throw Error(fmt::format("{}: cannot lock: {}", info.string(), std::strerror(saved)));
  }
  // For the message a second ingest prints; not needed for the lock itself.
  const std::string me = fmt::format("pid {}, started {}\n", getpid(), utc_timestamp());
  if (ftruncate(info_fd_, 0) == 0 && pwrite(info_fd_, me.data(), me.size(), 0) < 0) {
    // Best effort only.
  }
}

void IngestLock::refused() {
  // Unlinked while this process holds both locks: a second ingest started
  // meanwhile found the database locked and stopped.
  if (!info_made_.empty()) unlink(info_made_.c_str());
  info_made_.clear();
}

IngestLock::~IngestLock() {
  if (info_fd_ >= 0) close(info_fd_);
  if (db_fd_ >= 0) close(db_fd_);  // closing drops the lock
}

IngestLockProbe::IngestLockProbe(const fs::path& db_path) {
  fd_ = open(db_path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
}

IngestLockProbe::~IngestLockProbe() {
  if (fd_ >= 0) close(fd_);
}

std::optional<bool> IngestLockProbe::ingest_running() const {
  if (fd_ < 0) return std::nullopt;
  struct flock request = lock_request(F_WRLCK);
  if (fcntl(fd_, F_OFD_GETLK, &request) != 0) return std::nullopt;
  return request.l_type != F_UNLCK;
}

}  // namespace cachedb
