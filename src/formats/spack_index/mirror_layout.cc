#include "formats/spack_index/mirror_layout.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "error.h"
#include "formats/spack_index/sha256.h"
#include "formats/spack_index/small_json.h"
#include "util/out_of_resources.h"

namespace cachedb::spack_index {
namespace {

namespace fs = std::filesystem;

constexpr int kMinVersion = 6, kMaxVersion = 9;
constexpr std::size_t kMaxManifestBytes = 1 << 20;

bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

MirrorIndex resolve_v3(const fs::path& mirror) {
  // Spack reads a v3 mirror by its index manifest, and only warns when
  // layout.json is missing (check_mirror_for_layout): so does cachedb. One
  // that is there must be readable, as a sign the mirror is whole.
  const fs::path layout = mirror / "v3" / "layout.json";
  std::error_code ec;
  if (!fs::exists(layout, ec))
    spdlog::warn("{}: no such file: the mirror is read by its index manifest, as Spack reads it", layout.string());
  else if (!read_small_json(layout, kMaxManifestBytes).IsObject())
    throw Error(fmt::format("{}: not a JSON object", layout.string()));
  const fs::path manifest = mirror / "v3" / "manifests" / "index" / "index.manifest.json";
  const auto doc = read_small_json(manifest, kMaxManifestBytes);
  auto bad = [&](const std::string& why) { return Error(fmt::format("{}: {}", manifest.string(), why)); };
  if (!doc.IsObject() || !doc.HasMember("data") || !doc["data"].IsArray())
    throw bad("no 'data' list of blobs");

  // The highest database version cachedb reads, when several are listed.
  const rapidjson::Value* best = nullptr;
  int best_version = 0;
  std::string seen;
  for (const auto& blob : doc["data"].GetArray()) {
    if (!blob.IsObject() || !blob.HasMember("mediaType") || !blob["mediaType"].IsString()) continue;
    const std::string media = blob["mediaType"].GetString();
    seen += (seen.empty() ? "" : ", ") + media;
    const int v = database_media_version(media);
    if (v >= kMinVersion && v <= kMaxVersion && v > best_version) {
      best = &blob;
      best_version = v;
    }
  }
  if (!best)
    throw bad(fmt::format("lists no database cachedb reads (versions {} to {}); it lists: {}", kMinVersion,
                          kMaxVersion, seen.empty() ? "nothing" : seen));
  const auto& b = *best;
  const char* algo = b.HasMember("checksumAlgorithm") && b["checksumAlgorithm"].IsString()
                         ? b["checksumAlgorithm"].GetString() : "";
  if (std::string_view(algo) != "sha256") throw bad(fmt::format("checksum algorithm '{}', not sha256", algo));
  if (!b.HasMember("checksum") || !b["checksum"].IsString() || !is_sha256_hex(b["checksum"].GetString()))
    throw bad("the index blob's checksum is not 64 hex digits");
  if (!b.HasMember("contentLength") || !b["contentLength"].IsUint64()) throw bad("the index blob has no contentLength");
  const std::string checksum = b["checksum"].GetString();
  const std::uint64_t length = b["contentLength"].GetUint64();

  MirrorIndex out;
  out.layout = 3;
  out.database_version = best_version;
  out.path = mirror / "blobs" / "sha256" / checksum.substr(0, 2) / checksum;
  if (!fs::is_regular_file(out.path, ec))
    throw Error(fmt::format("{}: the index blob named by {} is {}", out.path.string(), manifest.string(),
                            fs::exists(out.path, ec) ? "not a regular file" : "missing"));
  // The length first: a truncated download is told apart from a changed one
  // without reading it.
  const auto size = fs::file_size(out.path, ec);
  if (ec || size != length)
    throw Error(fmt::format("{}: {} bytes where {} says {}: truncated or replaced", out.path.string(), size,
                            manifest.string(), length));
  out.expected = {checksum, manifest.string()};
  return out;
}

MirrorIndex resolve_v2(const fs::path& mirror) {
  MirrorIndex out;
  out.layout = 2;
  out.path = mirror / "build_cache" / "index.json";
  std::error_code ec;
  if (!fs::is_regular_file(out.path, ec))
    throw Error(fmt::format("{}: cannot open: {}", out.path.string(),
                            fs::exists(out.path, ec) ? "not a regular file" : "no such file"));
  const fs::path hash_file = mirror / "build_cache" / "index.json.hash";
  if (fs::exists(hash_file, ec)) out.expected = {"", hash_file.string(), true};
  return out;
}

}  // namespace

int database_media_version(const std::string& media_type) {
  constexpr std::string_view prefix = "application/vnd.spack.db.v", suffix = "+json";
  std::string_view m = media_type;
  if (m.size() <= prefix.size() + suffix.size() || m.substr(0, prefix.size()) != prefix ||
      m.substr(m.size() - suffix.size()) != suffix)
    return 0;
  m = m.substr(prefix.size(), m.size() - prefix.size() - suffix.size());
  int v = 0;
  auto [ptr, ec] = std::from_chars(m.data(), m.data() + m.size(), v);
  return ec == std::errc{} && ptr == m.data() + m.size() ? v : 0;
}

std::optional<std::string> index_json_hash(const fs::path& hash_file) {
  // Spack's own reading (DefaultIndexFetcher.get_remote_hash): the first 64
  // bytes, a sha256 when they are hex digits, else none. Capitals are taken
  // for the digits they write, so that such a file still checks its index.
  // A file there that cannot be read is no file without a sha256: its index
  // would go unchecked (a mode-000 hash file, or no descriptor left).
  // Opened without blocking and read only when it is a regular file: a FIFO
  // there would hold the run (and the database's lock) until a writer came.
  std::string want(64, '\0');
  const int fd = ::open(hash_file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw_file_error(hash_file.string(), "cannot open", errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    throw_file_error(hash_file.string(), "cannot read", error);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(fmt::format("{}: not a regular file, so the index beside it cannot be checked", hash_file.string()));
  }
  std::size_t got = 0;
  while (got < want.size()) {
    const ssize_t n = ::read(fd, want.data() + got, want.size() - got);
    if (n == 0) break;
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (errno != EINTR) {
      const int error = errno;
      ::close(fd);
      throw_file_error(hash_file.string(), "cannot read", error);
    }
  }
  ::close(fd);
  want.resize(got);
  for (char& c : want)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  if (!is_sha256_hex(want)) return std::nullopt;
  return want;
}

ExpectedDigest read_expected(ExpectedDigest expected) {
  if (!expected.in_file) return expected;
  auto sha256 = index_json_hash(expected.named_by);
  if (!sha256) {
    // As Spack: a mirror's index.json.hash is a shortcut, not a promise.
    spdlog::warn("{}: holds no sha256 (64 hex digits first): the index beside it is read unchecked, as Spack "
                 "reads it", expected.named_by);
    return {};
  }
  return {*sha256, expected.named_by};
}

MirrorIndex resolve_mirror_index(const fs::path& mirror, Verify verify) {
  std::error_code ec;
  if (!fs::is_directory(mirror, ec)) throw Error(fmt::format("{}: not a directory", mirror.string()));
  auto verified = [&](MirrorIndex found) {
    if (verify == Verify::now) {
      found.expected = read_expected(std::move(found.expected));
      verify_sha256(found.path, found.expected);
    }
    return found;
  };
  if (fs::exists(mirror / "v3" / "manifests" / "index" / "index.manifest.json", ec)) return verified(resolve_v3(mirror));
  // A v3 layout.json without its index yet beside a v2 index (a mirror being
  // migrated): the index there is, v2's.
  if (fs::exists(mirror / "build_cache" / "index.json", ec)) {
    if (fs::exists(mirror / "v3" / "layout.json", ec))
      spdlog::info("{}: v3/layout.json but no v3 index manifest: build_cache/index.json read", mirror.string());
    return verified(resolve_v2(mirror));
  }
  if (fs::exists(mirror / "v3" / "layout.json", ec)) return verified(resolve_v3(mirror));  // names the manifest missing
  throw Error(fmt::format("{}: no build-cache index (neither v3/manifests/index/index.manifest.json nor "
                          "build_cache/index.json)", mirror.string()));
}

}  // namespace cachedb::spack_index
