#include "formats/spack_index/sha256.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "error.h"

namespace cachedb::spack_index {

struct Sha256::Ctx {
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> md{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  if (!ctx_->md || EVP_DigestInit_ex(ctx_->md.get(), EVP_sha256(), nullptr) != 1) throw Error("sha256: cannot start");
}

Sha256::~Sha256() = default;

void Sha256::update(const char* data, std::size_t n) { EVP_DigestUpdate(ctx_->md.get(), data, n); }

std::string Sha256::hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->md.get(), md, &len);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

FileDigest sha256_file(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw Error(fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno)));
  Sha256 sha;
  FileDigest d;
  std::unique_ptr<char[]> buf(new char[1 << 18]);
  for (;;) {
    std::size_t n = std::fread(buf.get(), 1, 1 << 18, f.get());
    if (n == 0) {
      if (std::ferror(f.get())) throw Error(fmt::format("{}: cannot read: {}", path.string(), std::strerror(errno)));
      break;
    }
    sha.update(buf.get(), n);
    d.length += n;
  }
  d.sha256 = sha.hex();
  return d;
}

void check_sha256(const std::string& name, const std::string& sha256, const ExpectedDigest& expected) {
  // Never passed over in silence: whoever reads the file reads its sha256 first (read_expected).
  if (expected.in_file)
    throw Error(fmt::format("{}: the sha256 in {} was not read before the check", name, expected.named_by));
  if (expected.sha256.empty() || sha256 == expected.sha256) return;
  if (expected.named_by.empty())
    throw Error(fmt::format("{}: sha256 {} differs from its name: truncated or damaged", name, sha256));
  throw Error(fmt::format("{}: sha256 {} where {} says {}", name, sha256, expected.named_by, expected.sha256));
}

void verify_sha256(const std::filesystem::path& path, const ExpectedDigest& expected) {
  if (expected.sha256.empty() && !expected.in_file) return;
  check_sha256(path.string(), sha256_file(path).sha256, expected);
}

}  // namespace cachedb::spack_index
