#include "report/version_order.h"

#include <algorithm>
#include <array>
#include <string>

namespace cachedb {
namespace {

using Version = LabelKey::Version;
using Part = Version::Part;

// Spack's words for versions newer than any release, oldest first.
constexpr std::array<std::string_view, 7> kNewest = {"stable", "nightly", "trunk", "head", "master", "main", "develop"};
constexpr int kWord = 0, kNumber = 1, kNewestWord = 2;
constexpr int kRelease = 3;
constexpr int kGitAssigned = 1, kGitUnassigned = 2;  // Version::git; 0: not a git version

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

// A version, or a git version's ref and the version it is assigned.
Version read_version(std::string_view text) {
  const auto git = git_version(text);
  if (!git) return parse(text);
  const std::string_view assigned = git->assigned();
  if (assigned.empty()) {
    Version v;
    v.git = kGitUnassigned;
    v.ref = git->ref;
    v.range = git->constraint;
    return v;
  }
  Version v = parse(assigned);
  v.git = kGitAssigned;
  v.ref = git->ref;
  return v;
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

// The versions alone, without what a git version adds.
int compare_runs(const Version& x, const Version& y) {
  const std::size_t n = std::min(x.parts.size(), y.parts.size());
  for (std::size_t i = 0; i < n; ++i)
    if (const int c = compare_parts(x.parts[i], y.parts[i])) return c;
  if (x.parts.size() != y.parts.size()) return x.parts.size() < y.parts.size() ? -1 : 1;
  if (x.stage != y.stage) return x.stage < y.stage ? -1 : 1;
  // (rc) before (rc, 1), as tuples compare.
  if (x.stage_number.empty() != y.stage_number.empty()) return x.stage_number.empty() ? -1 : 1;
  return compare_numbers(x.stage_number, y.stage_number);
}

// Digits without leading zeros, plus one.
std::string plus_one(std::string_view digits) {
  std::string out(digits);
  auto i = out.size();
  while (i > 0 && out[i - 1] == '9') out[--i] = '0';
  if (i == 0) out.insert(out.begin(), '1');
  else ++out[i - 1];
  return out;
}

// Spack's _next_version: the version just after v, which ends a range that
// holds v (a range ends before the version after its upper end). `text`
// keeps the run it changes.
Version next_version(Version v, std::string& text) {
  if (v.stage != kRelease) {
    text = v.stage_number.empty() ? "0" : plus_one(v.stage_number);  // 1.0rc: 1.0rc0; 1.0rc1: 1.0rc2
    v.stage_number = text;
  } else if (v.parts.empty()) {
    v.parts.push_back({kWord, "A"});
  } else if (Part& last = v.parts.back(); last.level == kNewestWord) {
    ++last.rank;  // main: develop; develop: past every word
  } else if (last.level == kNumber) {
    text = plus_one(last.text);
    last.text = text;
  } else {
    // The next word of letters (a..z, then A..Z), never one of the newest:
    // masteq: mastes.
    text = last.text;
    do {
      if (text.empty() || text.back() == 'z') text.push_back('A');
      else if (text.back() == 'Z') text.back() = 'a';
      else ++text.back();
    } while (std::find(kNewest.begin(), kNewest.end(), text) != kNewest.end());
    last.text = text;
  }
  return v;
}

// Two ranges, LOW:HIGH, as Spack orders them: by their low ends (none: the
// lowest), then by the versions after their high ends (none: the highest).
// A git ref alone is the whole range ':'.
int compare_ranges(std::string_view a, std::string_view b) {
  const auto colon_a = std::min(a.find(':'), a.size()), colon_b = std::min(b.find(':'), b.size());
  const std::string_view low_a = a.substr(0, colon_a), low_b = b.substr(0, colon_b);
  const std::string_view high_a = a.substr(std::min(colon_a + 1, a.size()));
  const std::string_view high_b = b.substr(std::min(colon_b + 1, b.size()));
  if (low_a.empty() != low_b.empty()) return low_a.empty() ? -1 : 1;
  if (!low_a.empty())
    if (const int c = compare_runs(parse(low_a), parse(low_b))) return c;
  if (high_a.empty() != high_b.empty()) return high_a.empty() ? 1 : -1;
  if (high_a.empty()) return 0;
  std::string text_a, text_b;
  return compare_runs(next_version(parse(high_a), text_a), next_version(parse(high_b), text_b));
}

// As Spack's GitVersion._order: a ref assigned a version by (version, ref),
// just after a plain version equal to it; a ref with none after everything
// else, such refs by (ref, range).
int compare(const Version& x, const Version& y) {
  if (x.git == kGitUnassigned || y.git == kGitUnassigned) {
    if (x.git != y.git) return x.git == kGitUnassigned ? 1 : -1;
    if (const int c = sign(x.ref.compare(y.ref))) return c;
    return compare_ranges(x.range, y.range);
  }
  if (const int c = compare_runs(x, y)) return c;
  if (x.git != y.git) return x.git < y.git ? -1 : 1;
  return sign(x.ref.compare(y.ref));
}

std::string_view name_of(std::string_view label) { return label.substr(0, label.find('@')); }
std::string_view version_of(std::string_view label) {
  const auto at = label.find('@');
  return at == std::string_view::npos ? std::string_view() : label.substr(at + 1);
}

bool is_commit(std::string_view text) {
  return text.size() == 40 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

std::optional<GitVersion> git_version(std::string_view version) {
  const bool prefixed = version.starts_with("git.");
  if (!prefixed && !is_commit(version) && version.find('=', 1) == std::string_view::npos) return std::nullopt;
  if (prefixed) version.remove_prefix(4);
  const std::size_t eq = version.find('=');
  if (eq == std::string_view::npos) return GitVersion{version, {}};
  return GitVersion{version.substr(0, eq), version.substr(eq + 1)};
}

int compare_versions(std::string_view a, std::string_view b) { return compare(read_version(a), read_version(b)); }

bool below_next_version(std::string_view version, std::string_view bound) {
  std::string text;  // the run next_version changes
  return compare(read_version(version), next_version(read_version(bound), text)) < 0;
}

// NAME@VERSION, or a NAME alone with no version: both parts compare as
// versions, the name first. One rule for every label keeps the order
// transitive, whatever mix of labels a matrix has.
LabelKey::LabelKey(std::string_view label)
    : label_(label), name_(read_version(name_of(label))), version_(read_version(version_of(label))) {}

bool LabelKey::operator<(const LabelKey& other) const {
  int c = compare(name_, other.name_);
  if (c == 0) c = compare(version_, other.version_);
  return c != 0 ? c < 0 : label_ < other.label_;
}

bool version_label_less(std::string_view a, std::string_view b) { return LabelKey(a) < LabelKey(b); }

}  // namespace cachedb
