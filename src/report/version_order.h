#pragma once
// Labels in the order Spack gives versions, so that gcc@6 comes before gcc@10
// and rhel8 before rhel10, where byte order would put them the other way.
#include <string_view>
#include <vector>

namespace cachedb {

// Compares two versions as Spack does (lib/spack/spack/version): a version is
// split into runs of digits and runs of letters (anything else separates
// them); runs compare one by one, numbers as numbers, words by bytes; a word
// is older than any number, except the words Spack takes for "newer than any
// release", which are newest, in this order: stable < nightly < trunk < head <
// master < main < develop. When one version is the other plus more runs, it is
// the newer (1.2 < 1.2.0). A trailing alpha, beta or rc (with or without a
// number) makes a pre-release, older than the release itself (1.0rc1 < 1.0).
// Returns <0, 0 or >0. Equal versions may still be different texts (1.07 and
// 1.7); version_label_less breaks such ties.
int compare_versions(std::string_view a, std::string_view b);

// The order of labels: NAME@VERSION (compilers: gcc@10.3.0) by name, then
// by version, both compared as versions (so rhel9 < rhel10, apple-clang <
// gcc < gcc-runtime); a label without '@' is a name alone (a version, a
// release such as v0.23 or develop, an OS such as ubuntu22.04); ties by
// bytes, so that the order is total.
bool version_label_less(std::string_view a, std::string_view b);

// A label read once, to sort many (tens of thousands of packages) without
// reading each label again at every comparison; orders as version_label_less.
// It keeps views of the label, which must outlive it.
class LabelKey {
 public:
  explicit LabelKey(std::string_view label);
  bool operator<(const LabelKey& other) const;

  // A version read into its runs (see compare_versions).
  struct Version {
    struct Part {
      int level;              // 0 a word, 1 a number, 2 one of the newest words
      std::string_view text;  // a number without its leading zeros
      int rank = 0;           // the newest words' order
    };
    std::vector<Part> parts;
    int stage = 3;                  // alpha 0, beta 1, rc 2, a release 3
    std::string_view stage_number;  // empty: none
  };

 private:
  std::string_view label_;
  Version name_, version_;
};

}  // namespace cachedb
