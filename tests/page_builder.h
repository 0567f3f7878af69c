#pragma once
// Cache pages for tests, written the way cache.spack.io writes them, and the
// rejection the parser gives a text. Every test that writes pages builds them
// here, so the page's shape (which line 'spec_details' is on, the order of a
// spec's keys) is in one place.
//
//   testing::CachePage("develop", "zlib")
//       .spec(testing::SpecEntry("h1").target("zen4").stacks({"e4s", "root"}))
//       .write(tree);  // tree/_cache/develop/zlib/specs.md
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace testing {

// One binary as spec_details lists it. Keys are written in the order the site
// writes them (hash, compiler, versions, os, platform, target, variants,
// stacks, size, tarball); a key that was not set is left out, so the smallest
// entry a page can hold is the default: hash, os, platform, target, stacks.
class SpecEntry {
 public:
  explicit SpecEntry(std::string hash) : hash_(std::move(hash)) {}

  SpecEntry& compiler(std::string v) { compiler_ = std::move(v); return *this; }
  SpecEntry& versions(std::vector<std::string> v) { versions_ = std::move(v); return *this; }
  SpecEntry& os(std::string v) { os_ = std::move(v); return *this; }
  SpecEntry& platform(std::string v) { platform_ = std::move(v); return *this; }
  SpecEntry& target(std::string v) { target_ = std::move(v); return *this; }
  SpecEntry& variants(std::vector<std::string> v) { variants_ = std::move(v); return *this; }
  SpecEntry& stacks(std::vector<std::string> v) { stacks_ = std::move(v); return *this; }
  // `json` is written as it is: a number (`10`) or a string (`"-"`).
  SpecEntry& size(std::string json) { size_ = std::move(json); return *this; }
  SpecEntry& tarball(std::string v) { tarball_ = std::move(v); return *this; }
  // Appended verbatim before the closing brace (", \"key\": value").
  SpecEntry& extra(std::string json) { extra_ = std::move(json); return *this; }
  // The hash is written as this JSON instead of as a string (`2`, `null`).
  SpecEntry& hash_json(std::string json) { hash_json_ = std::move(json); return *this; }

  // A binary as the site lists most of them: compiler gcc@11.4.0, version
  // 1.0, ubuntu22.04, x86_64_v3, +x, stacks e4s and root, size 10.
  static SpecEntry typical(std::string hash);

  std::string json() const;

 private:
  std::string hash_;
  std::optional<std::string> hash_json_, compiler_;
  std::optional<std::vector<std::string>> versions_;
  std::string os_ = "o", platform_ = "linux", target_ = "t";
  std::optional<std::vector<std::string>> variants_;
  std::vector<std::string> stacks_ = {"e4s"};
  std::optional<std::string> size_, tarball_;
  std::string extra_;
};

// The JSON array of `specs`, comma-separated as the site writes it.
std::string spec_list(const std::vector<SpecEntry>& specs);

// A page of the current site: front matter only, 'spec_details' on line 5
// (line 6 with meta).
class CachePage {
 public:
  CachePage(std::string release, std::string package)
      : release_(std::move(release)), package_(std::move(package)) {}

  CachePage& spec(SpecEntry s) { specs_.push_back(std::move(s)); return *this; }
  CachePage& specs(std::vector<SpecEntry> s) {
    for (auto& e : s) specs_.push_back(std::move(e));
    return *this;
  }
  // The 'meta' line's JSON, written before spec_details.
  CachePage& meta(std::string json) { meta_ = std::move(json); return *this; }
  // The value of spec_details, written as it is instead of the specs' list.
  CachePage& details(std::string raw) { details_ = std::move(raw); return *this; }
  // The title and categories lines' values, as they are (for hostile bytes).
  CachePage& title(std::string raw) { title_ = std::move(raw); return *this; }
  CachePage& categories(std::string raw) { categories_ = std::move(raw); return *this; }

  std::string text() const;
  // Writes text() to tree/_cache/<release>/<package>/specs.md; returns that path.
  std::filesystem::path write(const std::filesystem::path& tree) const;
  // Writes text() to `file`.
  void write_to(const std::filesystem::path& file) const;

 private:
  std::string release_, package_;
  std::vector<SpecEntry> specs_;
  std::optional<std::string> meta_, details_, title_, categories_;
};

// Where the site keeps the page of (release, package) below `tree`.
std::filesystem::path page_path(const std::filesystem::path& tree, const std::string& release,
                                const std::string& package);

// The line and message of the error parsing `text` as a page raises, or
// {0, "<accepted>"} when the page is read.
std::pair<std::size_t, std::string> rejection(std::string_view text);

// The same, as "line: message" ("" when accepted), for one-line checks.
std::string rejection_line(std::string_view text);

}  // namespace testing
