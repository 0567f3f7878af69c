#pragma once
// Labels in the order Spack gives versions, so that gcc@6 comes before gcc@10
// and rhel8 before rhel10, where byte order would put them the other way.
#include <optional>
#include <string_view>
#include <vector>

namespace cachedb {

// Spack's git versions (lib/spack/spack/version, GitVersion): git.REF,
// git.REF=V, a 40-hex commit, COMMIT=V, and any version holding '=' after its
// first byte. REF=V is the ref assigned the version V; a ref alone (or given a
// range, git.REF=1.2:1.4) has none yet.
struct GitVersion {
  std::string_view ref, constraint;  // constraint: after '=' (empty: none)
  // The one version the ref is assigned (empty: none, or a range).
  std::string_view assigned() const {
    return constraint.find(':') == std::string_view::npos ? constraint : std::string_view{};
  }
};

// The version read as a git version; none if it is not one.
std::optional<GitVersion> git_version(std::string_view version);

// Compares two versions as Spack does (lib/spack/spack/version): a version is
// split into runs of digits and runs of letters (anything else separates
// them); runs compare one by one, numbers as numbers, words by bytes; a word
// is older than any number, except the words Spack takes for "newer than any
// release", which are newest, in this order: stable < nightly < trunk < head <
// master < main < develop. When one version is the other plus more runs, it is
// the newer (1.2 < 1.2.0). A trailing alpha, beta or rc (with or without a
// number) makes a pre-release, older than the release itself (1.0rc1 < 1.0).
// A git version (GitVersion above) assigned a version orders as that version,
// just after it when the versions are equal (1.2 < git.abc=1.2 < 1.2.0,
// git.v2.0=main after every number, before develop), refs assigned equal
// versions by the ref's bytes; a ref with no version assigned (git.abc, a
// commit alone, git.abc=1.2:1.4) comes after every other version, as Spack
// puts it, not knowing which version the ref stands for (nothing here looks
// in git), such refs by the ref's bytes, then by their range (its low end,
// then the version after its high end). Returns <0, 0 or >0. Equal
// versions may still be different texts (1.07 and 1.7, git.abc=1.2 and
// abc=1.2); version_label_less breaks such ties.
int compare_versions(std::string_view a, std::string_view b);

// Whether `version` comes before the version just after `bound` (Spack's
// _next_version: 1.4 -> 1.5, 1.4a -> 1.4b, 1.0rc1 -> 1.0rc2), where Spack
// ends a range whose upper end is `bound`: 1.4.2, 1.4p1 and 1.04.1 are all
// below the end of :1.4, and 1.5 is not.
bool below_next_version(std::string_view version, std::string_view bound);

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

  // A version read into its runs (see compare_versions), a git version into
  // its ref and the runs of the version it is assigned.
  struct Version {
    struct Part {
      int level;              // 0 a word, 1 a number, 2 one of the newest words
      std::string_view text;  // a number without its leading zeros
      int rank = 0;           // the newest words' order
    };
    std::vector<Part> parts;
    int stage = 3;                  // alpha 0, beta 1, rc 2, a release 3
    std::string_view stage_number;  // empty: none
    // A git version: 1 assigned a version (the runs above are that version's),
    // 2 with none assigned; 0 not a git version.
    int git = 0;
    std::string_view ref, range;  // git: the ref; with none assigned, its range (empty: none)
  };

 private:
  std::string_view label_;
  Version name_, version_;
};

}  // namespace cachedb
