// Hashing the indexes of a run on a thread of its own (ingest/hash_ahead.h):
// the digests a reader takes, and those the run checks the rest against.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "formats/spack_index/sha256.h"
#include "ingest/file_source.h"
#include "ingest/hash_ahead.h"
#include "test_support.h"

using cachedb::HashAhead;

namespace {

std::string write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

}  // namespace

TEST_CASE("hash ahead: a file's fingerprint and sha256, as its reader would take them") {
  testing::TempDir dir;
  // Bigger than the hashing buffer, so that it is hashed a piece at a time.
  std::string text;
  for (int i = 0; text.size() < 3 * HashAhead::kBufferBytes + 100; ++i) text += "{\"record\": " + std::to_string(i) + "}\n";
  const std::string path = write(dir.path() / "index.json", text);
  std::vector<char> buf(HashAhead::kBufferBytes);
  const auto h = HashAhead::hash_file({path, true}, [] { return true; }, buf);
  REQUIRE(h);
  CHECK(h->size == text.size());
  CHECK(h->stamp.size == static_cast<std::int64_t>(text.size()));
  CHECK(h->fingerprint == cachedb::content_fingerprint(text));
  CHECK(h->sha256 == cachedb::spack_index::sha256_file(path).sha256);
  // Without a sha256 to check against, none is computed.
  CHECK(HashAhead::hash_file({path, false}, [] { return true; }, buf)->sha256.empty());
  // A file that cannot be read, or a hashing told to stop, gives nothing.
  CHECK_FALSE(HashAhead::hash_file({(dir.path() / "missing").string(), true}, [] { return true; }, buf));
  CHECK_FALSE(HashAhead::hash_file({path, true}, [] { return false; }, buf));
}

TEST_CASE("hash ahead, all now: every file with a path, kept for its reader and for finish()") {
  testing::TempDir dir;
  std::vector<HashAhead::File> files;
  for (int i = 0; i < 6; ++i)
    files.push_back({write(dir.path() / std::to_string(i), std::string(100 + i, 'x')), i % 2 == 0, 100 + i});
  files[4].path.clear();  // stdin, or an input rejected already
  HashAhead ahead(files, HashAhead::Start::all_now);
  ahead.wait();
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u}) {
    CAPTURE(i);
    const auto h = ahead.take(i);
    REQUIRE(h);
    CHECK(h->size == 100 + i);
    CHECK(h->fingerprint == cachedb::content_fingerprint(std::string(100 + i, 'x')));
    CHECK(h->sha256.empty() == (i % 2 != 0));
    CHECK(ahead.take(i));  // still there: the run checks against it at its end
  }
  CHECK_FALSE(ahead.take(4));
  CHECK_FALSE(ahead.take(99));
  const auto all = ahead.finish();
  REQUIRE(all.size() == 6);
  CHECK_FALSE(all[4]);
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u}) CHECK((all[i] && all[i]->size == 100 + i));
}

TEST_CASE("hash ahead, beside reading: half the bytes from the last file back, the rest once resumed") {
  testing::TempDir dir;
  std::vector<HashAhead::File> files;
  for (int i = 0; i < 6; ++i)
    files.push_back({write(dir.path() / std::to_string(i), std::string(1000, static_cast<char>('a' + i))), true, 1000});
  HashAhead ahead(files);
  // Files 5, 4 and 3 are half of the bytes: the thread (on idle cores, here
  // idle) hashes them, then waits.
  for (int tries = 0; !ahead.take(3) && tries < 2000; ++tries) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (!ahead.take(3)) {
    MESSAGE("no idle-only thread here: every file is hashed by finish()");
  } else {
    CHECK(ahead.take(4));
    CHECK(ahead.take(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (std::size_t i : {0u, 1u, 2u}) CHECK_FALSE(ahead.take(i));  // read unchecked, checked at the end
  }
  const auto all = ahead.finish();
  REQUIRE(all.size() == 6);
  for (std::size_t i = 0; i < 6; ++i) {
    CAPTURE(i);
    REQUIRE(all[i]);
    const std::string text(1000, static_cast<char>('a' + i));
    CHECK(all[i]->fingerprint == cachedb::content_fingerprint(text));
    CHECK(all[i]->sha256 == cachedb::spack_index::sha256_file(files[i].path).sha256);
  }
}

// Fails by hanging (the suite's timeout): a destructor that waited for a
// thread waiting to be resumed.
TEST_CASE("hash ahead: a run that stops before the end stops the thread, paused or not") {
  testing::TempDir dir;
  std::vector<HashAhead::File> files;
  for (int i = 0; i < 4; ++i) files.push_back({write(dir.path() / std::to_string(i), std::string(1000, 'x')), true, 1000});
  { HashAhead paused(files); }  // destroyed while it waits to be resumed
  {
    HashAhead resumed(files);
    resumed.resume();
  }
}

TEST_CASE("hash ahead: its thread is named cachedb-hash, for top -H and perf") {
  // It hashes half of the bytes (the second file), then waits to be resumed:
  // its name can be looked up meanwhile.
  testing::TempDir dir;
  std::vector<HashAhead::File> files;
  for (int i = 0; i < 2; ++i) files.push_back({write(dir.path() / std::to_string(i), std::string(1000, 'x')), true, 1000});
  HashAhead paused(files);
  auto named = [] {
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream comm(task.path() / "comm");
      std::string name;
      if (std::getline(comm, name) && name == "cachedb-hash") return true;
    }
    return false;
  };
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!named() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(named());
}

// Fails by hanging (the suite's timeout) if finish() waited for a thread
// that does not move: on a busy machine the idle-only thread may get no CPU
// for seconds, and the run would wait as long (a fresh 100 MB ingest beside
// four busy processes: 4-22 s instead of ~1-2).
TEST_CASE("hash ahead: a thread stalled on a file does not hold finish() up: the file is hashed again") {
  testing::TempDir dir;
  std::vector<HashAhead::File> files;
  for (int i = 0; i < 3; ++i)
    files.push_back({write(dir.path() / std::to_string(i), std::string(1000, static_cast<char>('a' + i))), true, 1000});
  // The thread stops before the first file it comes to (the last one, or any
  // once resumed) until finish() has returned; it holds its share of the gate.
  struct Gate {
    std::mutex mutex;
    std::condition_variable cv;
    bool open = false;
    std::atomic<int> entered{-1};
  };
  auto gate = std::make_shared<Gate>();
  auto stall = [gate](std::size_t i) {
    int none = -1;
    if (!gate->entered.compare_exchange_strong(none, static_cast<int>(i))) return;
    std::unique_lock lock(gate->mutex);
    gate->cv.wait_for(lock, std::chrono::seconds(60), [&] { return gate->open; });
  };
  std::vector<std::optional<cachedb::HashedFile>> all;
  std::size_t taken_over = 0;
  {
    HashAhead ahead(files, HashAhead::Start::beside_reading, stall);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (gate->entered < 0 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    all = ahead.finish();
    taken_over = ahead.taken_over();
    {
      std::lock_guard lock(gate->mutex);
      gate->open = true;
    }
    gate->cv.notify_all();
  }  // the thread, let go, sees it was stopped
  const int stalled = gate->entered;
  CAPTURE(stalled);
  // The thread stalled on a file of its own, unless finish() claimed them all first.
  CHECK(taken_over == (stalled >= 0 ? 1u : 0u));
  REQUIRE(all.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    REQUIRE(all[i]);
    CHECK(all[i]->fingerprint == cachedb::content_fingerprint(std::string(1000, static_cast<char>('a' + i))));
    CHECK(all[i]->sha256 == cachedb::spack_index::sha256_file(files[i].path).sha256);
  }
}
