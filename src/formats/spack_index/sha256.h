#pragma once
// sha256 of a file (OpenSSL's libcrypto), read through a fixed buffer.
#include <cstdint>
#include <filesystem>
#include <string>

namespace cachedb::spack_index {

struct FileDigest {
  std::string sha256;  // 64 lowercase hex digits
  std::uint64_t length = 0;
};

// Throws Error naming the file when it cannot be read.
FileDigest sha256_file(const std::filesystem::path& path);

// What a file's sha256 should be, and what says so: a manifest or an
// index.json.hash (its path), or the file's own name (a blob named by its
// sha256: `named_by` empty). No sha256: nothing to check.
struct ExpectedDigest {
  std::string sha256;
  std::string named_by;
};

// Reads the file whole and throws Error naming it, and what says otherwise,
// when its sha256 is not the expected one.
void verify_sha256(const std::filesystem::path& path, const ExpectedDigest& expected);

}  // namespace cachedb::spack_index
