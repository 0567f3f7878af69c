#include "formats/spack_index/site_listing.h"

#include <sys/stat.h>

#include <map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "error.h"
#include "formats/spack_index/mirror_layout.h"
#include "formats/spack_index/sha256.h"
#include "formats/spack_index/small_json.h"
#include "parsing/text_limits.h"
#include "util/utf8.h"

namespace cachedb::spack_index {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxListingBytes = 16 << 20;
// The bucket, as the listing names it and as the site serves it.
constexpr std::string_view kBucketPrefixes[] = {"s3://spack-binaries/", "https://binaries.spack.io/"};

// The local file for `url`, or an error. The relative part must stay inside the root.
void resolve_url(ListedIndex& e, const fs::path& root, BlobCheck check) {
  std::string_view rest;
  for (auto prefix : kBucketPrefixes)
    if (e.url.compare(0, prefix.size(), prefix) == 0) rest = std::string_view(e.url).substr(prefix.size());
  if (rest.empty()) {
    e.error = fmt::format("{}: not in s3://spack-binaries/", e.url);
    return;
  }
  const fs::path rel = fs::path(rest).lexically_normal();
  if (rel.is_absolute() || rel.empty() || *rel.begin() == "..") {
    e.error = fmt::format("{}: leaves the mirror root", e.url);
    return;
  }
  const fs::path p = root / rel;
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) {
    e.error = fmt::format("{}: no such file under the mirror root ({})", e.url, p.string());
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    e.error = fmt::format("{}: not a regular file under the mirror root ({})", e.url, p.string());
    return;
  }
  const std::string name = p.filename().string();
  const bool named_by_sha256 = name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos &&
                               p.parent_path().parent_path().filename() == "sha256";
  try {
    const fs::path hash_file = p.string() + ".hash";
    struct stat hash_st {};
    if (named_by_sha256) e.expected = {name, ""};
    else if (name == "index.json" && ::stat(hash_file.c_str(), &hash_st) == 0)
      e.expected = {"", hash_file.string(), true};
    if (check == BlobCheck::checksum) {
      e.expected = read_expected(std::move(e.expected));
      verify_sha256(p, e.expected);
    }
  } catch (const Error& err) {
    e.error = err.what();
    return;
  }
  e.path = p;
  e.size = static_cast<std::int64_t>(st.st_size);
  e.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::string_view text_of(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

}  // namespace

std::optional<std::string> label_problem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (auto problem = text_problem(name, limits::kName)) return problem;
  // A release or stack is named in messages and log lines: no line break or
  // terminal control (C0, DEL, and C1 as UTF-8 writes it) can be one's name.
  for (std::size_t i = 0; i < name.size(); ++i)
    if (control_at(name, i)) return "contains a control character";
  return std::nullopt;
}

std::vector<ListedIndex> resolve_listing(const fs::path& listing, const fs::path& mirror_root, BlobCheck check) {
  // A root that is not there (a bucket copy not mounted, a mistyped path)
  // would reject every index one by one, which a nightly job could take for
  // a bad mirror: it is the run's error instead.
  struct stat root_st {};
  if (::stat(mirror_root.c_str(), &root_st) != 0 || !S_ISDIR(root_st.st_mode))
    throw Error(fmt::format("{}: no such directory (--mirror-root, the local copy of the bucket)", mirror_root.string()));
  const auto doc = read_small_json(listing, kMaxListingBytes);
  if (!doc.IsObject()) throw Error(fmt::format("{}: not a JSON object of releases", listing.string()));
  // A release given twice is its last list, as the site's reader (Python's
  // json) keeps the last of a key.
  std::map<std::string_view, std::size_t> last;
  std::size_t at = 0;
  for (const auto& rel : doc.GetObject()) last[text_of(rel.name)] = at++;
  std::vector<ListedIndex> out;
  at = 0;
  for (const auto& rel : doc.GetObject()) {
    const std::string release(text_of(rel.name));
    if (last[text_of(rel.name)] != at++) {
      spdlog::warn("{}: release '{}' is given more than once: its last list is read, as the site reads it",
                   listing.string(), release);
      continue;
    }
    if (!rel.value.IsArray())
      throw Error(fmt::format("{}: release '{}' is not a list of indexes", listing.string(), release));
    const auto release_problem = label_problem(release);
    std::size_t i = 0;
    for (const auto& item : rel.value.GetArray()) {
      ListedIndex e;
      if (!release_problem) e.release = release;
      // A release that cannot be named is told by its place (the messages are stored too).
      const std::string where = release_problem
                                    ? fmt::format("{}: entry {} of release number {}", listing.string(), i, at)
                                    : fmt::format("{}: $['{}'][{}]", listing.string(), release, i);
      // A key given twice is its last, as the site's Python reads it.
      auto member = [&](std::string_view name) -> const rapidjson::Value* {
        if (!item.IsObject()) return nullptr;
        const rapidjson::Value* last = nullptr;
        for (const auto& m : item.GetObject())
          if (text_of(m.name) == name) last = &m.value;
        return last && last->IsString() ? last : nullptr;
      };
      const rapidjson::Value* label = member("label");
      const rapidjson::Value* url = member("url");
      const auto problem = label ? label_problem(text_of(*label)) : std::nullopt;
      if (!label || !url) {
        e.error = where + " has no string 'label' and 'url'";
      } else if (release_problem) {
        e.error = fmt::format("{}: the release name {}", where, *release_problem);
      } else if (problem) {
        e.error = fmt::format("{}.label {}", where, *problem);
      } else if (auto url_problem = text_problem(text_of(*url), limits::kTarball)) {
        e.error = fmt::format("{}.url {}", where, *url_problem);
      } else {
        e.url = text_of(*url);
        resolve_url(e, mirror_root, check);
      }
      // The stack an entry names, whenever its label can name one, even when
      // the rest of it is bad: the last entry of a stack is the one read, and
      // rejected when it is bad, the earlier ones not read in its place.
      if (label && !release_problem && !problem) e.stack = text_of(*label);
      out.push_back(std::move(e));
      ++i;
    }
  }
  if (out.empty()) throw Error(fmt::format("{}: names no index", listing.string()));
  return out;
}

}  // namespace cachedb::spack_index
