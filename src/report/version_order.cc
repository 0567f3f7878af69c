#include "report/version_order.h"

#include <algorithm>
#include <array>

namespace cachedb {
namespace {

using Version = LabelKey::Version;
using Part = Version::Part;

// Spack's words for versions newer than any release, oldest first.
constexpr std::array<std::string_view, 7> kNewest = {"stable", "nightly", "trunk", "head", "master", "main", "develop"};
constexpr int kWord = 0, kNumber = 1, kNewestWord = 2;
constexpr int kRelease = 3;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
// Letters, and any byte of a UTF-8 sequence: kept in words, compared by bytes.
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (static_cast<unsigned char>(c) & 0x80);
}

// alpha, beta, rc: a pre-release; final: a release said so; else -1.
int stage_of(std::string_view word) {
  if (word == "alpha") return 0;
  if (word == "beta") return 1;
  if (word == "rc") return 2;
  if (word == "final") return kRelease;
  return -1;
}

Version parse(std::string_view v) {
  Version p;
  std::size_t i = 0;
  while (i < v.size()) {
    const std::size_t start = i;
    if (is_digit(v[i])) {
      while (i < v.size() && is_digit(v[i])) ++i;
      std::string_view n = v.substr(start, i - start);
      while (n.size() > 1 && n.front() == '0') n.remove_prefix(1);
      p.parts.push_back({kNumber, n});
    } else if (is_letter(v[i])) {
      while (i < v.size() && is_letter(v[i])) ++i;
      const std::string_view w = v.substr(start, i - start);
      Part part{kWord, w};
      for (std::size_t k = 0; k < kNewest.size(); ++k)
        if (w == kNewest[k]) part = {kNewestWord, w, static_cast<int>(k)};
      p.parts.push_back(part);
    } else {
      ++i;  // a separator
    }
  }
  // <version>(alpha|beta|rc)<number> and <version>(alpha|beta|rc), as Spack
  // reads a pre-release: only after at least one run of the version itself.
  const auto n = p.parts.size();
  if (n >= 3 && p.parts[n - 1].level == kNumber && p.parts[n - 2].level == kWord && stage_of(p.parts[n - 2].text) >= 0) {
    p.stage = stage_of(p.parts[n - 2].text);
    p.stage_number = p.parts[n - 1].text;
    p.parts.resize(n - 2);
  } else if (n >= 2 && p.parts[n - 1].level == kWord && stage_of(p.parts[n - 1].text) >= 0) {
    p.stage = stage_of(p.parts[n - 1].text);
    p.parts.resize(n - 1);
  }
  return p;
}

int sign(int v) { return (v > 0) - (v < 0); }

// Digits without leading zeros: the longer is the larger, else by bytes.
int compare_numbers(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return sign(a.compare(b));
}

// Old words < numbers < the newest words.
int compare_parts(const Part& a, const Part& b) {
  if (a.level != b.level) return a.level < b.level ? -1 : 1;
  if (a.level == kNumber) return compare_numbers(a.text, b.text);
  if (a.level == kNewestWord) return sign(a.rank - b.rank);
  return sign(a.text.compare(b.text));
}

int compare(const Version& x, const Version& y) {
  const std::size_t n = std::min(x.parts.size(), y.parts.size());
  for (std::size_t i = 0; i < n; ++i)
    if (const int c = compare_parts(x.parts[i], y.parts[i])) return c;
  if (x.parts.size() != y.parts.size()) return x.parts.size() < y.parts.size() ? -1 : 1;
  if (x.stage != y.stage) return x.stage < y.stage ? -1 : 1;
  // (rc) before (rc, 1), as tuples compare.
  if (x.stage_number.empty() != y.stage_number.empty()) return x.stage_number.empty() ? -1 : 1;
  return compare_numbers(x.stage_number, y.stage_number);
}

std::string_view name_of(std::string_view label) { return label.substr(0, label.find('@')); }
std::string_view version_of(std::string_view label) {
  const auto at = label.find('@');
  return at == std::string_view::npos ? std::string_view() : label.substr(at + 1);
}

}  // namespace

int compare_versions(std::string_view a, std::string_view b) { return compare(parse(a), parse(b)); }

// NAME@VERSION, or a NAME alone with no version: both parts compare as
// versions, the name first. One rule for every label keeps the order
// transitive, whatever mix of labels a matrix has.
LabelKey::LabelKey(std::string_view label)
    : label_(label), name_(parse(name_of(label))), version_(parse(version_of(label))) {}

bool LabelKey::operator<(const LabelKey& other) const {
  int c = compare(name_, other.name_);
  if (c == 0) c = compare(version_, other.version_);
  return c != 0 ? c < 0 : label_ < other.label_;
}

bool version_label_less(std::string_view a, std::string_view b) { return LabelKey(a) < LabelKey(b); }

}  // namespace cachedb
