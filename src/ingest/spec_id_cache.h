#pragma once
// Spec ids by DAG hash, for the hashes an index ingest has met: most records
// of a release name a hash another index of the run described already. A
// fixed table of packed hashes (Spack's hash is 32 base32 characters: 20
// bytes), at most half full, so that its memory (3 MiB, 4 MiB mapped) is the
// same whatever the size of the input and a lookup reads one slot, not a node
// and a string.
// The table is mapped when the first hash is kept (zero pages from the
// kernel, so a run that keeps none, an unchanged re-ingest, never touches it),
// in huge pages where the kernel has them (util/huge_pages.h): its lookups
// land anywhere in it.
// A hash that does not pack (not 32 lowercase base32 characters), or an id
// beyond 32 bits, is not kept: the caller asks the database.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "util/huge_pages.h"

namespace cachedb {

class SpecIdCache {
 public:
  static constexpr std::size_t kSlots = std::size_t{1} << 17;
  static constexpr std::size_t kMaxEntries = kSlots / 2;

  SpecIdCache() = default;

  std::optional<std::int64_t> find(std::string_view hash) const;
  bool contains(std::string_view hash) const { return find(hash).has_value(); }
  // Starts bringing the slot of `hash` into the cache, for a find() soon after:
  // the table is bigger than the caches that the streamed JSON goes through,
  // so a lookup is a miss that a few records' work can hide.
  void prefetch(std::string_view hash) const;
  // Keeps `id` for `hash` (replacing what it had); when the table is full it
  // is emptied first, as the other caches of the ingest are.
  void insert(std::string_view hash, std::int64_t id);
  void clear();
  std::size_t size() const { return size_; }
  // Slots looked at beyond the first, over every lookup and insert so far:
  // a handful per key while keys spread over the table (what tests check).
  std::size_t extra_probes() const { return extra_probes_; }
  // True while every hash given to insert() is still held: nothing was
  // refused (not Spack's hash, an id beyond 32 bits) or emptied out.
  bool holds_all() const { return holds_all_; }

 private:
  using Key = std::array<std::uint8_t, 20>;
  struct Slot {
    Key key;
    std::uint32_t id;  // 0: empty (spec ids start at 1)
  };
  static std::optional<Key> pack(std::string_view hash);
  static std::size_t home_of(const Key& key);  // where its probe starts
  std::size_t slot_of(const Key& key) const;

  std::unique_ptr<HugePages> memory_;  // null until a hash is kept
  Slot* slots_ = nullptr;
  std::size_t size_ = 0;
  mutable std::size_t extra_probes_ = 0;
  bool holds_all_ = true;
};

}  // namespace cachedb
