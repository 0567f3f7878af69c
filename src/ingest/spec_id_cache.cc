#include "ingest/spec_id_cache.h"

#include <array>
#include <cstring>
#include <limits>

#include <xxhash.h>

namespace cachedb {

namespace {

// Each byte's value as a base32 digit of Spack's alphabet (a-z, 2-7), or 0x80:
// not one. A table, not comparisons: every record of an index packs its hash
// at least twice (the reader asks whether it was described, the writer for
// its id), and the branches of the comparisons cost more than the lookups.
constexpr std::array<std::uint8_t, 256> kDigit = [] {
  std::array<std::uint8_t, 256> t{};
  t.fill(0x80);
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - 'a');
  for (int c = '2'; c <= '7'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - '2' + 26);
  return t;
}();

}  // namespace

std::optional<SpecIdCache::Key> SpecIdCache::pack(std::string_view hash) {
  if (hash.size() != 32) return std::nullopt;
  Key key;
  unsigned invalid = 0;
  // Eight characters (40 bits) make five bytes, most significant first.
  for (std::size_t group = 0; group < 4; ++group) {
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      const std::uint8_t v = kDigit[static_cast<unsigned char>(hash[group * 8 + i])];
      invalid |= v;
      bits = bits << 5 | v;
    }
    for (std::size_t i = 0; i < 5; ++i) key[group * 5 + i] = static_cast<std::uint8_t>(bits >> (32 - 8 * i));
  }
  if (invalid & 0x80) return std::nullopt;
  return key;
}

std::size_t SpecIdCache::home_of(const Key& key) {
  // All of the key, hashed: a DAG hash's bytes are spread evenly, but an
  // index's keys are whatever its mirror wrote, and keys alike in their first
  // bytes (the table once took the first eight as they were) all probed from
  // one slot: the n-th such key kept cost n probes, 65,536 of them 2 billion
  // (7 s). A fixed seed, not one per process: where a run's keys land, and so
  // which pages of the table it touches (its memory), is the same every run.
  constexpr std::uint64_t kSeed = 0x5ca1ab1e0ddba11u;
  return static_cast<std::size_t>(XXH3_64bits_withSeed(key.data(), key.size(), kSeed)) & (kSlots - 1);
}

std::size_t SpecIdCache::slot_of(const Key& key) const {
  std::size_t at = home_of(key);
  while (slots_[at].id != 0 && slots_[at].key != key) {
    at = (at + 1) & (kSlots - 1);
    ++extra_probes_;
  }
  return at;
}

std::optional<std::int64_t> SpecIdCache::find(std::string_view hash) const {
  if (!slots_) return std::nullopt;
  const auto key = pack(hash);
  if (!key) return std::nullopt;
  const Slot& s = slots_[slot_of(*key)];
  if (s.id == 0) return std::nullopt;
  return s.id;
}

void SpecIdCache::prefetch(std::string_view hash) const {
  if (!slots_) return;
  if (const auto key = pack(hash)) __builtin_prefetch(&slots_[home_of(*key)]);
}

void SpecIdCache::insert(std::string_view hash, std::int64_t id) {
  const auto key = pack(hash);
  if (!key || id <= 0 || id > std::numeric_limits<std::uint32_t>::max()) {
    holds_all_ = false;
    return;
  }
  if (size_ == kMaxEntries) clear();
  if (!slots_) {
    // An all-zero Slot is an empty one: the kernel's pages are zeroed.
    memory_ = std::make_unique<HugePages>(kSlots * sizeof(Slot));
    slots_ = static_cast<Slot*>(memory_->data());
  }
  Slot& s = slots_[slot_of(*key)];
  if (s.id == 0) ++size_;
  s.key = *key;
  s.id = static_cast<std::uint32_t>(id);
}

void SpecIdCache::clear() {
  memory_.reset();
  slots_ = nullptr;
  size_ = 0;
  holds_all_ = false;
}

}  // namespace cachedb
