#pragma once
// Hashing the indexes of a run on a thread of its own: the sha256 that checks
// each index against its mirror, and the fingerprint that recognizes it next
// time, are an eighth of the CPU time of a load (1 GB of indexes: 0.58 of 4.3
// CPU seconds). A reader given a file's digests (take()) reads it without
// hashing it; one not given them reads it unchecked, and the run checks it
// against its digests before it commits (finish()).
//
// While the indexes are read, the thread hashes only when a core would
// otherwise idle (SCHED_IDLE), from the last file backwards, and only half of
// the bytes: even at that priority the hashing slows the readers and the
// writer it runs beside. The rest waits for the end of the reading (resume()),
// when the writer's last work (the release rows, the index builds) leaves a
// core idle for about as long as hashing half of the bytes takes; then
// finish() hashes what is left on the calling thread too, from the first file
// on. (1 GB of indexes: 2.176 -> 2.099 s, 100 MB: 246.5 -> 237.8 ms, against
// hashing ahead of the readers on idle cores, each reader hashing the files it
// came to first; a quarter or three quarters hashed while reading were
// slower at 1 GB, 40% and 60% the same.)
//
// A digest is taken with the file's stamp (size and modification time): the
// run uses it only for a file whose stamp is still the same, the trust the
// ingest already gives a stamp to find a file unchanged (as make and rsync
// do), and the reader checks that it read as many bytes as were hashed.
//
// An idle-only thread on a busy machine (other processes keeping both cores)
// may not run for seconds, not even to end, and a process ends only once each
// of its threads has: a fresh 100 MB ingest beside four busy processes took
// 4-22 s where ~1-2 s was its share, most of it waiting for the starved
// thread. So the thread is made idle-only only where the process may make it
// normal again (CAP_SYS_NICE, or RLIMIT_NICE; elsewhere it hashes nothing
// before resume()), resume() and the destructor make it normal, and finish()
// waits for the file the thread is hashing only while the thread moves
// (kPatience), else hashes it again itself.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ingest/known_page.h"

namespace cachedb {

// What hashing a whole file gave.
struct HashedFile {
  FileStamp stamp;          // the file's, when it was opened
  std::uint64_t size = 0;   // the bytes hashed
  std::string fingerprint;  // content_fingerprint() of them
  std::string sha256;       // 64 hex digits; empty when not asked for
};

class HashAhead {
 public:
  struct File {
    std::string path;     // empty: nothing to hash (stdin, an input already rejected)
    bool sha256 = false;  // its mirror gives a sha256 to check it against
    std::int64_t size = -1;  // as listed; -1: the thread asks the file
  };
  // How the thread starts: as above (`beside_reading`), or hashing every file
  // in turn at the caller's priority (`all_now`: tests, with wait(), so that
  // every reader is given its file's digests).
  enum class Start { beside_reading, all_now };
  // For tests: called on the thread before it hashes file `i`.
  using BeforeFile = std::function<void(std::size_t i)>;
  // Starts the thread. Where it cannot be started, or made idle-only (and
  // normal again), it hashes nothing before resume() (at the readers'
  // priority it would only slow them), and finish() does what it has not.
  HashAhead(std::vector<File> files, Start start = Start::beside_reading, BeforeFile before_file = {});
  ~HashAhead();  // stops the hashing and waits for its thread, unless it is still idle-only
  HashAhead(const HashAhead&) = delete;
  HashAhead& operator=(const HashAhead&) = delete;

  // File `i` is about to be read: its digests when it was hashed whole
  // already, else nothing (its reader reads it unchecked).
  std::optional<HashedFile> take(std::size_t i) const;
  // Every file has been read: the thread hashes the rest, made normal again.
  void resume();
  // Until the thread has hashed every file it will (or gave up).
  void wait();
  // The digests of every file (nullopt: none to take, or it could not be
  // read), after hashing those the thread has not begun, on the calling
  // thread, from the first file on, and the thread's last: waited for while
  // the thread moves, else hashed here too. Once: the thread is stopped.
  std::vector<std::optional<HashedFile>> finish();
  // How many files finish() hashed again because the thread had stalled on them.
  std::size_t taken_over() const { return taken_over_; }

  // What hashing a whole file gives, read through `buf` (not empty); nullopt
  // when it cannot be read or `keep_going` says to stop (checked between reads).
  static std::optional<HashedFile> hash_file(const File& f, const std::function<bool()>& keep_going,
                                             std::vector<char>& buf);
  // Big enough that a read costs little beyond its copy; below the size from
  // which malloc maps a block of its own (cli/main.cc), and kept for every file.
  static constexpr std::size_t kBufferBytes = 128u << 10;
  // How long finish() waits for the thread's file without it hashing at
  // least kMinProgress more (at full speed it hashes ~15 MB in that time).
  static constexpr std::chrono::milliseconds kPatience{10};
  static constexpr std::uint64_t kMinProgress = 1u << 20;

 private:
  // What the thread shares with the object: the thread holds it too, so that
  // it can be left running (stopped, not joined) when it stalls.
  struct State;
  static void run(const std::shared_ptr<State>& state, Start start);
  static void hash_into(State& state, std::size_t i, std::vector<char>& buf);

  std::shared_ptr<State> state_;
  std::thread thread_;
  std::size_t taken_over_ = 0;
};

}  // namespace cachedb
