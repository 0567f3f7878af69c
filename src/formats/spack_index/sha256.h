#pragma once
// sha256 of a file (OpenSSL's libcrypto, its SHA256_* functions), read through a fixed buffer.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace cachedb::spack_index {

struct FileDigest {
  std::string sha256;  // 64 lowercase hex digits
  std::uint64_t length = 0;
};

// sha256 of bytes given a piece at a time.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const char* data, std::size_t n);
  // 64 lowercase hex digits; the object is spent.
  std::string hex();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// Throws Error naming the file when it cannot be read.
FileDigest sha256_file(const std::filesystem::path& path);

// What a file's sha256 should be, and what says so: a manifest or an
// index.json.hash (its path), or the file's own name (a blob named by its
// sha256: `named_by` empty). No sha256: nothing to check.
struct ExpectedDigest {
  std::string sha256;
  std::string named_by;
  // The sha256 is still in the file `named_by` (a v2 index.json.hash), to be
  // read only when the index itself is read (read_expected, mirror_layout.h):
  // a nightly run that finds every index unchanged opens none of them.
  bool in_file = false;
};

// Throws Error naming the file, and what says otherwise, when `sha256` (the
// file's, in hex) is not the expected one.
void check_sha256(const std::string& name, const std::string& sha256, const ExpectedDigest& expected);

// The same, reading the file whole.
void verify_sha256(const std::filesystem::path& path, const ExpectedDigest& expected);

}  // namespace cachedb::spack_index
