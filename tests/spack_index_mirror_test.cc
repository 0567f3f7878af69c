// Mirror layouts (v2, v3) and the site listing, over directories made by the test.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "error.h"
#include "formats/spack_index/index_reader.h"
#include "formats/spack_index/mirror_layout.h"
#include "formats/spack_index/sha256.h"
#include "formats/spack_index/site_listing.h"
#include "spack_index_support.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace cachedb::spack_index;

namespace {

void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

std::string fixture_text(const std::string& name) {
  return testing::read_file(testing::fixture("index/" + name).string());
}

// Puts `bytes` where a v3 mirror keeps a blob; returns its sha256.
std::string put_blob(const fs::path& mirror, const std::string& bytes) {
  const fs::path tmp = mirror / "blob.tmp";
  write(tmp, bytes);
  const std::string sha = sha256_file(tmp).sha256;
  fs::create_directories(mirror / "blobs" / "sha256" / sha.substr(0, 2));
  fs::rename(tmp, mirror / "blobs" / "sha256" / sha.substr(0, 2) / sha);
  return sha;
}

std::string entry(const std::string& media, const std::string& sha, std::size_t length) {
  return fmt::format(R"({{"contentLength": {}, "mediaType": "{}", "compression": "none", "checksumAlgorithm": "sha256", "checksum": "{}"}})",
                     length, media, sha);
}

void write_manifest(const fs::path& mirror, const std::string& entries) {
  write(mirror / "v3" / "layout.json", R"({"signing": "gpg"})");
  write(mirror / "v3" / "manifests" / "index" / "index.manifest.json",
        fmt::format(R"({{"version": 3, "data": [{}]}})", entries));
}

std::string error_of(const fs::path& mirror) {
  try {
    resolve_mirror_index(mirror);
  } catch (const cachedb::Error& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("sha256 of a file: the standard test vector") {
  testing::TempDir dir;
  write(dir / "abc", "abc");
  const auto d = sha256_file(dir / "abc");
  CHECK(d.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(d.length == 3);
}

TEST_CASE("sha256 given in pieces of any size: the standard vectors of two blocks and of a million bytes") {
  // Pieces that end inside a 64-byte block, on its edge and across many, and an empty one.
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  Sha256 whole;
  whole.update(two_blocks.data(), two_blocks.size());
  CHECK(whole.hex() == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

  const std::string million(1000000, 'a');
  const std::string expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  Sha256 pieces;
  std::size_t at = 0;
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{63}, std::size_t{64}, std::size_t{65},
                        std::size_t{4096}, std::size_t{100003}}) {
    pieces.update(million.data() + at, n);
    at += n;
  }
  pieces.update(million.data() + at, million.size() - at);
  CHECK(pieces.hex() == expected);

  // A file longer than sha256_file's buffer.
  testing::TempDir dir;
  write(dir / "a", million);
  const auto d = sha256_file(dir / "a");
  CHECK(d.sha256 == expected);
  CHECK(d.length == million.size());
}

TEST_CASE("mirror v2: build_cache/index.json checked against index.json.hash") {
  testing::TempDir dir;
  const std::string text = fixture_text("db-v7.json");
  write(dir / "build_cache" / "index.json", text);
  const std::string sha = sha256_file(dir / "build_cache" / "index.json").sha256;
  write(dir / "build_cache" / "index.json.hash", sha + "\n");
  const auto idx = resolve_mirror_index(dir.path());
  CHECK(idx.layout == 2);
  CHECK(idx.path == dir / "build_cache" / "index.json");
  CHECK(idx.expected.sha256 == sha);
  CHECK(idx.expected.named_by == (dir / "build_cache" / "index.json.hash").string());
  testing::KeepingHandler h;
  read_index_file(idx.path.string(), h);
  CHECK(h.records.size() == 2);

  // Without index.json.hash there is nothing to check against: the index is read as it is.
  fs::remove(dir / "build_cache" / "index.json.hash");
  CHECK(resolve_mirror_index(dir.path()).expected.sha256.empty());

  write(dir / "build_cache" / "index.json.hash", std::string(64, '0'));
  CHECK(error_of(dir.path()).find("index.json.hash says 000") != std::string::npos);

  // Read as Spack reads it (get_remote_hash): the first 64 bytes, when they
  // are hex digits. Capitals and what follows them are taken; the index is
  // checked all the same, and a wrong one still refused.
  std::string upper = sha;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& given : {upper, sha + "  index.json\n", upper + "junk"}) {
    CAPTURE(given);
    write(dir / "build_cache" / "index.json.hash", given);
    CHECK(resolve_mirror_index(dir.path()).expected.sha256 == sha);
  }
  std::string wrong = upper;
  wrong.front() = wrong.front() == '0' ? '1' : '0';
  write(dir / "build_cache" / "index.json.hash", wrong);
  CHECK(error_of(dir.path()).find("index.json.hash says " + std::string(1, wrong.front())) != std::string::npos);
  // Anything else holds no sha256: the index is read unchecked, as Spack reads it.
  std::string spaced = sha, odd = sha;
  spaced.insert(spaced.begin(), ' ');
  odd.back() = 'g';
  for (const std::string& given : {std::string(), std::string("not a sha256\n"), spaced, sha.substr(0, 63), odd}) {
    CAPTURE(given);
    write(dir / "build_cache" / "index.json.hash", given);
    const auto unchecked = resolve_mirror_index(dir.path());
    CHECK(unchecked.expected.sha256.empty());
    CHECK(!unchecked.expected.in_file);
    CHECK(unchecked.path == dir / "build_cache" / "index.json");
  }
  // One there that cannot be read is not one without a sha256: the index is
  // refused, naming it, rather than read unchecked.
  fs::remove(dir / "build_cache" / "index.json.hash");
  fs::create_directory(dir / "build_cache" / "index.json.hash");
  CHECK(error_of(dir.path()).find("index.json.hash: not a regular file") != std::string::npos);
  // Nor is a FIFO there waited on: opening it for reading would block until a writer came.
  fs::remove(dir / "build_cache" / "index.json.hash");
  REQUIRE(::mkfifo((dir / "build_cache" / "index.json.hash").c_str(), 0600) == 0);
  CHECK(error_of(dir.path()).find("index.json.hash: not a regular file") != std::string::npos);
}

TEST_CASE("mirror v3 without layout.json is read by its manifest; a lone layout.json leaves a v2 index read") {
  testing::TempDir dir;
  const std::string v9 = fixture_text("db-v9.json"), v7 = fixture_text("db-v7.json");
  const std::string sha9 = put_blob(dir.path(), v9);
  write_manifest(dir.path(), entry("application/vnd.spack.db.v9+json", sha9, v9.size()));
  fs::remove(dir / "v3" / "layout.json");
  auto idx = resolve_mirror_index(dir.path());
  CHECK(idx.layout == 3);
  CHECK(idx.expected.sha256 == sha9);
  // One that is there must still be a JSON object.
  write(dir / "v3" / "layout.json", "[");
  CHECK(error_of(dir.path()).find("layout.json") != std::string::npos);

  // A mirror being moved: v3/layout.json written, its index not yet.
  testing::TempDir moving;
  write(moving / "build_cache" / "index.json", v7);
  write(moving / "v3" / "layout.json", R"({"signing": "gpg"})");
  idx = resolve_mirror_index(moving.path());
  CHECK(idx.layout == 2);
  CHECK(idx.path == moving / "build_cache" / "index.json");
  // With no index at all, the manifest missing is named.
  fs::remove(moving / "build_cache" / "index.json");
  CHECK(error_of(moving.path()).find("index.manifest.json") != std::string::npos);
}

TEST_CASE("mirror v3: the highest database version listed that cachedb reads, checked") {
  testing::TempDir dir;
  const std::string v8 = fixture_text("db-v8.json"), v9 = fixture_text("db-v9.json");
  const std::string sha8 = put_blob(dir.path(), v8), sha9 = put_blob(dir.path(), v9);
  write_manifest(dir.path(), entry("application/vnd.spack.db.v8+json", sha8, v8.size()) + ", " +
                                 entry("application/vnd.spack.db.v9+json", sha9, v9.size()) + ", " +
                                 entry("application/vnd.spack.db.v10+json", std::string(64, 'a'), 5));
  // A v2 index beside it is not the one read.
  write(dir / "build_cache" / "index.json", "{}");
  const auto idx = resolve_mirror_index(dir.path());
  CHECK(idx.layout == 3);
  CHECK(idx.database_version == 9);
  CHECK(idx.path == dir / "blobs" / "sha256" / sha9.substr(0, 2) / sha9);
  CHECK(idx.expected.sha256 == sha9);
  testing::KeepingHandler h;
  read_index_file(idx.path.string(), h);
  CHECK(h.summary.database_version == 9);

  write_manifest(dir.path(), entry("application/vnd.spack.db.v10+json", sha9, v9.size()) + ", " +
                                 entry("application/vnd.spack.spec.v6+json", sha9, v9.size()));
  const std::string none = error_of(dir.path());
  CHECK(none.find("lists no database cachedb reads") != std::string::npos);
  CHECK(none.find("db.v10") != std::string::npos);
}

TEST_CASE("mirror v3: a blob with a bad checksum, a truncated blob and a missing blob are refused") {
  testing::TempDir dir;
  const std::string v8 = fixture_text("db-v8.json");
  const std::string sha = put_blob(dir.path(), v8);
  const fs::path blob = dir / "blobs" / "sha256" / sha.substr(0, 2) / sha;
  write_manifest(dir.path(), entry("application/vnd.spack.db.v8+json", sha, v8.size()));
  CHECK(resolve_mirror_index(dir.path()).path == blob);

  SUBCASE("bad checksum: same length, one byte changed") {
    std::string changed = v8;
    changed[changed.find("1.5.6")] = '2';
    write(blob, changed);
    CHECK(error_of(dir.path()).find("sha256") != std::string::npos);
  }
  SUBCASE("truncated") {
    write(blob, v8.substr(0, v8.size() / 2));
    const std::string e = error_of(dir.path());
    CHECK(e.find(fmt::format("{} bytes where", v8.size() / 2)) != std::string::npos);
    CHECK(e.find("truncated") != std::string::npos);
  }
  SUBCASE("missing") {
    fs::remove(blob);
    CHECK(error_of(dir.path()).find("is missing") != std::string::npos);
  }
  SUBCASE("a directory where the blob should be") {
    fs::remove(blob);
    fs::create_directories(blob);
    CHECK(error_of(dir.path()).find("is not a regular file") != std::string::npos);
  }
  SUBCASE("no index at all") {
    testing::TempDir empty;
    CHECK(error_of(empty.path()).find("no build-cache index") != std::string::npos);
  }
}

TEST_CASE("site listing: names held to what names may be, a NUL never cutting one short; a release given twice is its last") {
  testing::TempDir root;
  const std::string v8 = fixture_text("db-v8.json");
  const std::string sha = put_blob(root / "r", v8);
  const std::string url = fmt::format("s3://spack-binaries/r/blobs/sha256/{}/{}", sha.substr(0, 2), sha);
  const std::string long_name(300, 'x');
  // RapidJSON reads \u0000 into the string: a name or URL must not end there.
  write(root / "l.json", fmt::format(R"({{
    "r": [{{"label": "a\u0000b", "url": "{0}"}}, {{"label": "e4s", "url": "{0}\u0000/../x"}}, {{"label": "", "url": "{0}"}},
          {{"label": "{1}", "url": "{0}"}}, {{"label": "bad\xff", "url": "{0}"}}, {{"label": "ok", "url": "{0}"}}],
    "": [{{"label": "root", "url": "{0}"}}],
    "gone": [{{"label": "root", "url": "{0}"}}],
    "gone": [{{"label": "ml", "url": "{0}"}}]}})",
                                     url, long_name));
  // (The listing's bytes: \xff made invalid UTF-8 on purpose.)
  std::string text = testing::read_file((root / "l.json").string());
  const std::size_t escaped = text.find("\\xff");
  REQUIRE(escaped != std::string::npos);
  text.erase(escaped + 1, 3);
  text[escaped] = '\xff';
  write(root / "l.json", text);
  const auto list = resolve_listing(root / "l.json", root.path());
  REQUIRE(list.size() == 8);
  const std::string at = (root / "l.json").string() + ": ";
  CHECK(list[0].error == at + "$['r'][0].label contains a NUL character");
  CHECK(list[1].error == at + "$['r'][1].url contains a NUL character");
  CHECK(list[2].error == at + "$['r'][2].label is empty");
  CHECK(list[3].error == at + "$['r'][3].label is 300 bytes, over the 256-byte limit");
  CHECK(list[4].error == at + "$['r'][4].label is not valid UTF-8");
  for (std::size_t i = 0; i < 5; ++i) {
    CAPTURE(i);
    // A good label names its stack even beside a bad URL: that entry, rejected, is the stack's.
    CHECK(list[i].stack == (i == 1 ? "e4s" : ""));
    CHECK(list[i].path.empty());
  }
  CHECK(list[5].stack == "ok");
  CHECK(list[5].error.empty());
  // A release that cannot be named is told by its place, and not given to the entry.
  CHECK(list[6].error == at + "entry 0 of release number 2: the release name is empty");
  CHECK(list[6].release.empty());
  // "gone" given twice: only its last list, as the site's Python reads it.
  CHECK(list[7].release == "gone");
  CHECK(list[7].stack == "ml");
  CHECK(list[7].error.empty());
  CHECK(label_problem("develop-2025-03-23") == std::nullopt);
  CHECK(label_problem("") == "is empty");
  // A name is printed in messages and log lines: no line break or terminal control.
  for (const std::string& name : {std::string("e4s\nerror: forged"), std::string("a\x1b[2J"), std::string("a\x7f"),
                                  std::string("a\xc2\x9b" "31m")}) {
    CAPTURE(name);
    CHECK(label_problem(name) == "contains a control character");
  }
  CHECK(label_problem("na\xc3\xafve") == std::nullopt);
  // A key given twice in an entry is its last, as the site's Python reads it.
  write(root / "twice.json", fmt::format(R"({{"r": [{{"label": "e4s", "label": "root", "url": "{0}"}},
                                                 {{"label": "ml", "url": 5, "url": "{0}"}},
                                                 {{"label": "x", "url": "{0}", "url": 5}}]}})",
                                         url));
  const auto twice = resolve_listing(root / "twice.json", root.path());
  REQUIRE(twice.size() == 3);
  CHECK(twice[0].stack == "root");
  CHECK(twice[0].error.empty());
  CHECK(twice[1].stack == "ml");
  CHECK(twice[1].error.empty());
  CHECK(twice[2].error.find("has no string 'label' and 'url'") != std::string::npos);
}

TEST_CASE("site listing: every (release, stack) resolved against the mirror root, each with its file or its error") {
  testing::TempDir root;
  const std::string v8 = fixture_text("db-v8.json"), v9 = fixture_text("db-v9.json");
  const std::string sha_root = put_blob(root / "develop-2025-03-23", v8);
  const std::string sha_e4s = put_blob(root / "develop-2025-03-23" / "e4s", v9);
  const std::string missing(64, 'b');
  write(root / "cache_spack_io_index.json", fmt::format(R"({{
    "develop-2025-03-23": [
      {{"label": "root", "url": "s3://spack-binaries/develop-2025-03-23/blobs/sha256/{0}/{1}"}},
      {{"label": "e4s", "url": "s3://spack-binaries/develop-2025-03-23/e4s/blobs/sha256/{2}/{3}"}}],
    "v1.0.0": [
      {{"label": "ml", "url": "s3://spack-binaries/v1.0.0/ml/blobs/sha256/bb/{4}"}},
      {{"label": "evil", "url": "s3://spack-binaries/../outside"}},
      {{"label": "elsewhere", "url": "https://example.com/index.json"}},
      {{"url": "s3://spack-binaries/x"}}]}})",
      sha_root.substr(0, 2), sha_root, sha_e4s.substr(0, 2), sha_e4s, missing));

  const auto list = resolve_listing(root / "cache_spack_io_index.json", root.path());
  REQUIRE(list.size() == 6);
  CHECK(list[0].release == "develop-2025-03-23");
  CHECK(list[0].stack == "root");
  CHECK(list[0].error == "");
  CHECK(list[0].path == root / "develop-2025-03-23" / "blobs" / "sha256" / sha_root.substr(0, 2) / sha_root);
  // Its stamp as found, for an ingest to tell an unchanged file without looking again.
  CHECK(list[0].size == static_cast<std::int64_t>(v8.size()));
  struct stat st {};
  REQUIRE(::stat(list[0].path.c_str(), &st) == 0);
  CHECK(list[0].mtime_ns == static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec);
  CHECK(list[1].stack == "e4s");
  CHECK(list[1].error == "");
  testing::KeepingHandler h;
  read_index_file(list[1].path.string(), h);
  CHECK(h.summary.database_version == 9);

  CHECK(list[2].release == "v1.0.0");
  CHECK(list[2].stack == "ml");
  CHECK(list[2].path.empty());
  CHECK(list[2].size == -1);
  CHECK(list[2].error.find("no such file under the mirror root") != std::string::npos);
  CHECK(list[2].error.rfind("s3://spack-binaries/v1.0.0/ml/", 0) == 0);  // named by its URL, first
  CHECK(list[2].error.find(missing) != std::string::npos);
  {
    // Something there that is not a file (a directory, a FIFO) is not called missing.
    const fs::path odd = root / "v1.0.0" / "ml" / "blobs" / "sha256" / missing.substr(0, 2) / missing;
    fs::create_directories(odd);
    const auto again = resolve_listing(root / "cache_spack_io_index.json", root.path());
    CHECK(again[2].error.find("not a regular file under the mirror root") != std::string::npos);
    fs::remove(odd);
  }
  CHECK(list[3].error.find("leaves the mirror root") != std::string::npos);
  CHECK(list[4].error.find("not in s3://spack-binaries/") != std::string::npos);
  CHECK(list[5].error.find("no string 'label'") != std::string::npos);

  // A blob that differs from its name (a download cut short) is refused, unless only existence is asked.
  const fs::path e4s_blob = list[1].path;
  write(e4s_blob, v9.substr(0, 100));
  const auto checked = resolve_listing(root / "cache_spack_io_index.json", root.path());
  CHECK(checked[0].error == "");
  CHECK(checked[1].path.empty());
  CHECK(checked[1].error.find("differs from its name") != std::string::npos);
  const auto unchecked = resolve_listing(root / "cache_spack_io_index.json", root.path(), BlobCheck::exists);
  CHECK(unchecked[1].path == e4s_blob);

  write(root / "bad.json", "[1]");
  CHECK_THROWS_AS(resolve_listing(root / "bad.json", root.path()), cachedb::Error);
  CHECK_THROWS_AS(resolve_listing(root / "absent.json", root.path()), cachedb::Error);
  // A root that is not a directory, and a listing of no index: the listing's errors, not its entries'.
  CHECK_THROWS_WITH_AS(resolve_listing(root / "cache_spack_io_index.json", root / "not-there"),
                       doctest::Contains("no such directory"), cachedb::Error);
  write(root / "none.json", R"({"v1": []})");
  CHECK_THROWS_WITH_AS(resolve_listing(root / "none.json", root.path()), doctest::Contains("names no index"),
                       cachedb::Error);
  // A listing that is there but no file, or a link loop, is told as what it is, not as missing.
  CHECK_THROWS_WITH_AS(resolve_listing(root / "absent.json", root.path()), doctest::Contains("absent.json: no such file"),
                       cachedb::Error);
  fs::create_directory(root / "dir.json");
  CHECK_THROWS_WITH_AS(resolve_listing(root / "dir.json", root.path()), doctest::Contains("dir.json: not a regular file"),
                       cachedb::Error);
  fs::create_symlink(root / "loop2.json", root / "loop1.json");
  fs::create_symlink(root / "loop1.json", root / "loop2.json");
  CHECK_THROWS_WITH_AS(resolve_listing(root / "loop1.json", root.path()),
                       doctest::Contains("loop1.json: Too many levels of symbolic links"), cachedb::Error);
}
