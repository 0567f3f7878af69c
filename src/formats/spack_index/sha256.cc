#include "formats/spack_index/sha256.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "error.h"

namespace cachedb::spack_index {

FileDigest sha256_file(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw Error(fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno)));
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) throw Error("sha256: cannot start");
  FileDigest d;
  std::unique_ptr<char[]> buf(new char[1 << 18]);
  for (;;) {
    std::size_t n = std::fread(buf.get(), 1, 1 << 18, f.get());
    if (n == 0) {
      if (std::ferror(f.get())) throw Error(fmt::format("{}: cannot read: {}", path.string(), std::strerror(errno)));
      break;
    }
    EVP_DigestUpdate(ctx.get(), buf.get(), n);
    d.length += n;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  static const char* kHex = "0123456789abcdef";
  d.sha256.reserve(2 * len);
  for (unsigned i = 0; i < len; ++i) {
    d.sha256 += kHex[md[i] >> 4];
    d.sha256 += kHex[md[i] & 15];
  }
  return d;
}

void verify_sha256(const std::filesystem::path& path, const ExpectedDigest& expected) {
  if (expected.sha256.empty()) return;
  const FileDigest d = sha256_file(path);
  if (d.sha256 == expected.sha256) return;
  if (expected.named_by.empty())
    throw Error(fmt::format("{}: sha256 {} differs from its name: truncated or damaged", path.string(), d.sha256));
  throw Error(fmt::format("{}: sha256 {} where {} says {}", path.string(), d.sha256, expected.named_by,
                          expected.sha256));
}

}  // namespace cachedb::spack_index
