#pragma once
// One ingest at a time per database. SQLite alone would make a second writer
// wait on its busy timeout and then fail half-way; an operator wants to hear at
// once that another run holds the database, so each ingest takes an exclusive,
// non-blocking lock before it opens the database. The kernel drops the lock
// when the process dies, even by kill -9, so a crash never leaves a stale lock
// behind.
//
// The lock is on the database file itself, so it goes with what identifies
// the file (its device and inode), not with the name it was reached by: two
// paths to one file (a bind mount, a symlink) meet the same lock. It is an
// open-file-description lock (F_OFD_SETLK) on one byte of the page SQLite
// reserves for its own locks, past the bytes SQLite locks: it never meets
// SQLite's locks, and unlike a classic POSIX lock it is not dropped when
// SQLite closes one of its descriptors of the file. A database file with more
// than one name (hard links) is refused: SQLite finds the -wal by name.
//
// `<db>.lock` beside the database holds the holder's pid and start time for
// the message a second ingest prints (and is flock(2)ed as well, as cachedb
// did before, so that an older cachedb running meanwhile is kept out too);
// where it cannot be created (a read-only directory) the message goes without.
#include <filesystem>
#include <optional>

namespace cachedb {

class IngestLock {
 public:
  // Takes the lock or throws Error at once, naming the process that holds it.
  // Creates the database file (empty: a new database) when it is missing.
  // Release it only after the database connection is closed (declare it
  // first): closing a descriptor of the file drops the process's POSIX locks
  // on it, SQLite's own included.
  explicit IngestLock(const std::filesystem::path& db_path);
  ~IngestLock();
  IngestLock(const IngestLock&) = delete;
  IngestLock& operator=(const IngestLock&) = delete;

  // The database was refused (another program's file, a journal beside it:
  // RefusedDatabase): <db>.lock goes if this lock made it, so that a refused
  // file is left with nothing of cachedb's beside it. The lock itself stands
  // until destroyed. Only then: an older cachedb, which flock()s <db>.lock
  // alone, could hold the name being unlinked, and a run that goes on would
  // leave the next ones a lock on another file.
  void refused();

 private:
  int db_fd_ = -1;    // the database file, holding the lock
  int info_fd_ = -1;  // <db>.lock, when it could be created
  std::filesystem::path info_made_;  // <db>.lock, when this lock made it
};

// Tells whether an ingest holds a database's lock, without taking it (F_OFD_GETLK):
// asking never makes an ingest that starts meanwhile fail.
class IngestLockProbe {
 public:
  // Opens the database file; as for IngestLock, destroy it only after the
  // database connections of this process to it are closed.
  explicit IngestLockProbe(const std::filesystem::path& db_path);
  ~IngestLockProbe();
  IngestLockProbe(const IngestLockProbe&) = delete;
  IngestLockProbe& operator=(const IngestLockProbe&) = delete;

  // True while an ingest holds the lock, false when none does, nothing when
  // it cannot be told (the file cannot be opened, or locks are not supported).
  std::optional<bool> ingest_running() const;

 private:
  int fd_ = -1;
};

}  // namespace cachedb
