#pragma once
// The spec values an index reader has already read and checked, by the hash
// of their install, kept across the documents of one run (and its threads).
//
// A release's indexes repeat one another: `root` holds the union of its
// stacks, stacks overlap, and weekly releases share most hashes. Most records
// of a tree are ones met before, and a hash fixes its spec, so Spack writes
// the same bytes for it each time. A record whose spec value is, byte for
// byte, one that passed every check before passes them again, and the reader
// need not tokenize it: it compares a fingerprint of that many bytes instead
// (index_reader.cc), and takes from here the little the rest of the document
// needs of the spec (its package, version and compiler edge, for the compiler
// memory). Bytes that differ in any way, or a spec not kept here, are read
// and checked as ever: whether an index is accepted, and what it says, never
// depend on what was read before it.
//
// Bounded: a fixed table of kSlots entries of 48 bytes (12 MiB, in huge pages
// where the kernel has them: the same few pages at any size of input), a
// newer spec taking the place of an older one where a hash's set of slots is
// full, so that it holds the last release's specs (a real `root` index has
// 100-200k); texts (package names, versions, compiler edges) are kept once
// each, up to kMaxTexts of them and kMaxTextBytes of characters: a real tree
// has some thousands, but an index may make every name new, and then the
// table starts again empty each time they are reached (its specs are read
// again as they come), so that memory stays bounded whatever is read; after
// kMaxRestarts it keeps nothing more for the rest of the run.
//
// The fingerprint is XXH3's 128 bits, seeded at random per table, so that no
// index can be made to collide with another's spec. A hash's place in the
// table is not seeded: the same input touches the same pages in every run (an
// index that sends many hashes to one place only has them read as if new).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/fingerprint.h"
#include "util/huge_pages.h"

namespace cachedb::spack_index {

class CheckedSpecs {
 public:
  CheckedSpecs();
  ~CheckedSpecs();
  CheckedSpecs(const CheckedSpecs&) = delete;
  CheckedSpecs& operator=(const CheckedSpecs&) = delete;

  // Of `n` bytes, with this table's seed.
  Fingerprint fingerprint(const char* bytes, std::size_t n) const { return fingerprint_of({bytes, n}, seed_); }

  // What the reader needs of a spec it does not read again.
  struct Spec {
    Fingerprint fingerprint{};
    std::uint32_t length = 0;       // of the spec value, its braces included
    bool compiler_given = false;    // the node names its compiler (`compiler`, `annotations.compiler`)
    bool provides_compiler = false; // `provided_virtuals` holds c, cxx or fortran
    bool has_provider = false;      // a direct build dependency provides c, cxx or fortran
    std::string name, version;      // the node's
    std::string provider_hash, provider_name;  // that dependency, as the edge gives it
  };

  // The spec kept for `hash` into `out` (its strings keep their capacity); false when none is.
  bool find(std::string_view hash, Spec& out) const;
  // Keeps `spec` as the spec of `hash`, in place of what its slot held.
  void remember(std::string_view hash, const Spec& spec);

  static constexpr std::size_t kSlots = std::size_t{1} << 18, kWays = 4, kMaxTexts = std::size_t{1} << 16,
                               kMaxTextBytes = std::size_t{4} << 20, kMaxRestarts = 8;

  // For tests: the texts kept, their characters, and how many times the table started again.
  std::size_t texts() const;
  std::size_t text_bytes() const;
  std::size_t restarts() const;

 private:
  struct Slot;
  std::uint64_t key_of(std::string_view hash) const;
  // The id of `text`, kept from now on (remember() makes room first; two of a
  // spec's texts may be one).
  std::uint32_t text_id(std::string_view text);
  void forget_all();
  bool current(const Slot& s) const;

  const std::uint64_t seed_;
  HugePages memory_;
  Slot* const slots_;
  // One lock for all: a look-up holds it ~100 ns, a few hundred thousand times in a run.
  mutable std::mutex mutex_;
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::uint32_t, TextHash, std::equal_to<>> ids_;
  std::vector<const std::string*> texts_;  // by id: the keys of ids_
  std::size_t text_bytes_ = 0, restarts_ = 0;
};

}  // namespace cachedb::spack_index
