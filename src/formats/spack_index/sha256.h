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

}  // namespace cachedb::spack_index
