#include "formats/spack_index/sha256.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <fmt/format.h>
// OpenSSL's SHA256_* functions, not its EVP interface: the same assembly
// (the CPU's SHA instructions where it has them), without the provider
// machinery that EVP brings. Linked statically, EVP pulls in every
// algorithm of OpenSSL's default provider: 2.2 MB of code and 24,000
// relocations that every run of cachedb paid for at its start, whatever
// the command (`cachedb --version` 6.8 -> 5.0 ms under a hypervisor where a
// page fault costs ~10 us). OpenSSL 3 marks these functions deprecated, in
// favour of EVP, and keeps them.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "error.h"
#include "util/out_of_resources.h"

namespace cachedb::spack_index {

struct Sha256::Ctx {
  SHA256_CTX sha;
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  if (SHA256_Init(&ctx_->sha) != 1) throw Error("sha256: cannot start");
}

Sha256::~Sha256() = default;

void Sha256::update(const char* data, std::size_t n) { SHA256_Update(&ctx_->sha, data, n); }

std::string Sha256::hex() {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256_Final(md, &ctx_->sha);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

FileDigest sha256_file(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw_file_error(path.string(), "cannot open", errno);
  Sha256 sha;
  FileDigest d;
  std::unique_ptr<char[]> buf(new char[1 << 18]);
  for (;;) {
    std::size_t n = std::fread(buf.get(), 1, 1 << 18, f.get());
    if (n == 0) {
      if (std::ferror(f.get())) throw_file_error(path.string(), "cannot read", errno);
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
