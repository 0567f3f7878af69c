#include "ingest/lock.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include "error.h"
#include "ingest/run_log.h"

namespace cachedb {
namespace {

namespace fs = std::filesystem;

// What the holder wrote into the lock file ("pid 1234 since ..."), if anything.
std::string holder(int fd) {
  char buf[128];
  const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return {};
  std::string text(buf, static_cast<std::size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text;
}

}  // namespace

IngestLock::IngestLock(const fs::path& db_path) {
  std::error_code ec;
  // Two spellings of one database (a symlink, a relative path) share one lock.
  fs::path db = fs::weakly_canonical(db_path, ec);
  if (ec) db = db_path;
  path_ = db.string() + ".lock";
  bool own_file = true;
  fd_ = open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0 && (errno == EACCES || errno == EROFS || errno == EPERM)) {
    // A read-only directory: lock the database file itself, when it exists.
    const int saved = errno;
    fd_ = open(db.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) errno = saved;
    else {
      path_ = db;
      own_file = false;
    }
  }
  if (fd_ < 0)
    throw Error(fmt::format("{}: cannot create the ingest lock file: {}", path_.string(), std::strerror(errno)));

  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int saved = errno;
    const std::string who = own_file ? holder(fd_) : std::string();
    close(fd_);
    fd_ = -1;
    if (saved == EWOULDBLOCK)
      throw Error(fmt::format("{}: another ingest is running on this database{}; this one stops without changing "
                              "anything (lock: {})",
                              db_path.string(), who.empty() ? "" : " (" + who + ")", path_.string()));
    throw Error(fmt::format("{}: cannot lock: {}", path_.string(), std::strerror(saved)));
  }
  if (own_file) {
    // For the message a second ingest prints; not needed for the lock itself.
    const std::string me = fmt::format("pid {}, started {}\n", getpid(), utc_timestamp());
    if (ftruncate(fd_, 0) == 0 && pwrite(fd_, me.data(), me.size(), 0) < 0) {
      // Best effort only.
    }
  }
}

IngestLock::~IngestLock() {
  if (fd_ >= 0) close(fd_);  // closing drops the flock
}

}  // namespace cachedb
