#include "report/version_order.h"

#include <array>
#include <vector>

namespace cachedb {
namespace {

// Spack's words for versions newer than any release, oldest first.
constexpr std::array<std::string_view, 7> kNewest = {"stable", "nightly", "trunk", "head", "master", "main", "develop"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
// Letters, and any byte of a UTF-8 sequence: kept in words, compared by bytes.
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (static_cast<unsigned char>(c) & 0x80);
}

enum class Kind { Word, Number, Newest };

struct Part {
  Kind kind;
  std::string_view text;  // a number without its leading zeros
  int rank = 0;           // Newest: the word's place in kNewest
};

// Older than final, in this order; a release is kFinal.
enum Stage { kAlpha = 0, kBeta = 1, kRc = 2, kFinal = 3 };

struct Parsed {
  std::vector<Part> parts;
  Stage stage = kFinal;
  std::string_view stage_number;  // empty: none
};

int stage_of(std::string_view word) {
  if (word == "alpha") return kAlpha;
  if (word == "beta") return kBeta;
  if (word == "rc") return kRc;
  if (word == "final") return kFinal;
  return -1;
}

Parsed parse(std::string_view v) {
  Parsed p;
  std::size_t i = 0;
  while (i < v.size()) {
    const std::size_t start = i;
    if (is_digit(v[i])) {
      while (i < v.size() && is_digit(v[i])) ++i;
      std::string_view n = v.substr(start, i - start);
      while (n.size() > 1 && n.front() == '0') n.remove_prefix(1);
      p.parts.push_back({Kind::Number, n});
    } else if (is_letter(v[i])) {
      while (i < v.size() && is_letter(v[i])) ++i;
      const std::string_view w = v.substr(start, i - start);
      Part part{Kind::Word, w};
      for (std::size_t k = 0; k < kNewest.size(); ++k)
        if (w == kNewest[k]) part = {Kind::Newest, w, static_cast<int>(k)};
      p.parts.push_back(part);
    } else {
      ++i;  // a separator
    }
  }
  // <version>(alpha|beta|rc)<number> and <version>(alpha|beta|rc), as Spack
  // reads a pre-release: only after at least one run of the version itself.
  const auto n = p.parts.size();
  if (n >= 3 && p.parts[n - 1].kind == Kind::Number && p.parts[n - 2].kind == Kind::Word &&
      stage_of(p.parts[n - 2].text) >= 0) {
    p.stage = static_cast<Stage>(stage_of(p.parts[n - 2].text));
    p.stage_number = p.parts[n - 1].text;
    p.parts.resize(n - 2);
  } else if (n >= 2 && p.parts[n - 1].kind == Kind::Word && stage_of(p.parts[n - 1].text) >= 0) {
    p.stage = static_cast<Stage>(stage_of(p.parts[n - 1].text));
    p.parts.resize(n - 1);
  }
  return p;
}

// Digits without leading zeros: the longer is the larger, else by bytes.
int compare_numbers(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b);
}

int sign(int v) { return (v > 0) - (v < 0); }

int compare_parts(const Part& a, const Part& b) {
  // Old words < numbers < the newest words.
  auto level = [](const Part& p) { return p.kind == Kind::Word ? 0 : p.kind == Kind::Number ? 1 : 2; };
  if (level(a) != level(b)) return level(a) < level(b) ? -1 : 1;
  switch (a.kind) {
    case Kind::Number: return sign(compare_numbers(a.text, b.text));
    case Kind::Newest: return sign(a.rank - b.rank);
    default: return sign(a.text.compare(b.text));
  }
}

}  // namespace

int compare_versions(std::string_view a, std::string_view b) {
  const Parsed x = parse(a), y = parse(b);
  const std::size_t n = std::min(x.parts.size(), y.parts.size());
  for (std::size_t i = 0; i < n; ++i)
    if (const int c = compare_parts(x.parts[i], y.parts[i])) return c;
  if (x.parts.size() != y.parts.size()) return x.parts.size() < y.parts.size() ? -1 : 1;
  if (x.stage != y.stage) return x.stage < y.stage ? -1 : 1;
  // (rc) before (rc, 1), as tuples compare.
  if (x.stage_number.empty() != y.stage_number.empty()) return x.stage_number.empty() ? -1 : 1;
  return sign(compare_numbers(x.stage_number, y.stage_number));
}

bool version_label_less(std::string_view a, std::string_view b) {
  // NAME@VERSION, or a NAME alone with no version: both parts compare as
  // versions, the name first. One rule for every label keeps the order
  // transitive, whatever mix of labels a matrix has.
  auto name = [](std::string_view l) { return l.substr(0, l.find('@')); };
  auto version = [](std::string_view l) {
    const auto at = l.find('@');
    return at == std::string_view::npos ? std::string_view() : l.substr(at + 1);
  };
  int c = compare_versions(name(a), name(b));
  if (c == 0) c = compare_versions(version(a), version(b));
  return c != 0 ? c < 0 : a < b;
}

}  // namespace cachedb
