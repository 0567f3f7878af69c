// Hashing the indexes of a run ahead of their reading (ingest/hash_ahead.h):
// the digests a reader would have taken, for the files not taken first.
#include <doctest/doctest.h>

#include <fstream>
#include <string>
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

TEST_CASE("hash ahead: the files from the first given, but those taken before and those with no path") {
  testing::TempDir dir;
  std::vector<HashAhead::File> files;
  for (int i = 0; i < 6; ++i) files.push_back({write(dir.path() / std::to_string(i), std::string(100 + i, 'x')), i % 2 == 0});
  files[4].path.clear();  // stdin, or an input rejected already
  HashAhead ahead(files, 2, false);
  ahead.wait();
  CHECK_FALSE(ahead.take(0));  // before the first: read at once, so never hashed ahead
  CHECK_FALSE(ahead.take(1));
  for (std::size_t i : {2u, 3u, 5u}) {
    CAPTURE(i);
    const auto h = ahead.take(i);
    REQUIRE(h);
    CHECK(h->size == 100 + i);
    CHECK(h->fingerprint == cachedb::content_fingerprint(std::string(100 + i, 'x')));
    CHECK(h->sha256.empty() == (i % 2 != 0));
    // Taken once: its reader has it.
    CHECK_FALSE(ahead.take(i));
  }
  CHECK_FALSE(ahead.take(4));
  CHECK_FALSE(ahead.take(99));
}
