#include "ingest/spec_id_cache.h"

#include <cstring>
#include <limits>

namespace cachedb {

std::optional<SpecIdCache::Key> SpecIdCache::pack(std::string_view hash) {
  if (hash.size() != 32) return std::nullopt;
  Key key{};
  std::uint64_t bits = 0;
  int nbits = 0;
  std::size_t out = 0;
  for (char c : hash) {
    unsigned v;
    if (c >= 'a' && c <= 'z') v = static_cast<unsigned>(c - 'a');
    else if (c >= '2' && c <= '7') v = static_cast<unsigned>(c - '2') + 26;
    else return std::nullopt;
    bits = bits << 5 | v;
    nbits += 5;
    if (nbits >= 8) {
      nbits -= 8;
      key[out++] = static_cast<std::uint8_t>(bits >> nbits);
    }
  }
  return key;
}

std::size_t SpecIdCache::slot_of(const Key& key) const {
  // The bytes of a DAG hash are already uniformly spread.
  std::uint64_t h;
  std::memcpy(&h, key.data(), sizeof h);
  std::size_t at = static_cast<std::size_t>(h) & (kSlots - 1);
  while (slots_[at].id != 0 && slots_[at].key != key) at = (at + 1) & (kSlots - 1);
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
