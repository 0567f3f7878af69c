#pragma once
// One ingest at a time per database. SQLite alone would make a second writer
// wait on its busy timeout and then fail half-way; an operator wants to hear at
// once that another run holds the database, so each ingest takes an exclusive,
// non-blocking flock(2) on `<db>.lock` before it opens the database. The kernel
// drops the lock when the process dies, even by kill -9, so a crash never
// leaves a stale lock behind (the file itself stays; it is harmless).
#include <filesystem>

namespace cachedb {

class IngestLock {
 public:
  // Takes the lock or throws Error at once, naming the process that holds it.
  // When the database's directory is read-only and `<db>.lock` cannot be
  // created, the database file itself is locked instead; then the lock must be
  // released only after the database connection is closed (declare it first),
  // because closing a descriptor of the file would drop SQLite's own locks.
  explicit IngestLock(const std::filesystem::path& db_path);
  ~IngestLock();
  IngestLock(const IngestLock&) = delete;
  IngestLock& operator=(const IngestLock&) = delete;

  // The file holding the lock.
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace cachedb
