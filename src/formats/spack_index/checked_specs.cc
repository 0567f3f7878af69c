#include "formats/spack_index/checked_specs.h"

#include <algorithm>
#include <random>

#include <xxhash.h>  // key_of

namespace cachedb::spack_index {

// The fingerprint, the length, the flags, and the ids of its four texts.
struct CheckedSpecs::Slot {
  std::uint64_t key;  // key_of(hash); 0 for an empty slot
  std::uint64_t low, high;
  std::uint32_t length;
  // The flags below, and above them the table's restarts when the slot was
  // written: a slot of an earlier turn is stale (current()).
  std::uint32_t flags;
  std::uint32_t name, version, provider_hash, provider_name;
};

namespace {
constexpr std::uint32_t kCompilerGiven = 1, kProvidesCompiler = 2, kHasProvider = 4, kFlagBits = 3;

std::uint64_t random_seed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

// A hash may be in any of the kWays slots of its set: a table a fifth full
// then loses next to nothing to two hashes sharing a slot.
std::size_t set_of(std::uint64_t key) {
  return static_cast<std::size_t>(key >> 20) & (CheckedSpecs::kSlots / CheckedSpecs::kWays - 1);
}
}  // namespace

CheckedSpecs::CheckedSpecs()
    : seed_(random_seed()), memory_(kSlots * sizeof(Slot)), slots_(static_cast<Slot*>(memory_.data())) {
  static_assert(sizeof(Slot) == 48);
}

CheckedSpecs::~CheckedSpecs() = default;

std::uint64_t CheckedSpecs::key_of(std::string_view hash) const { return XXH3_64bits(hash.data(), hash.size()) | 1; }

std::uint32_t CheckedSpecs::text_id(std::string_view text) {
  if (auto it = ids_.find(text); it != ids_.end()) return it->second;
  auto [it, added] = ids_.emplace(std::string(text), static_cast<std::uint32_t>(texts_.size()));
  texts_.push_back(&it->first);
  text_bytes_ += text.size();
  return it->second;
}

// Written since the table last started again.
bool CheckedSpecs::current(const Slot& s) const {
  return s.flags >> kFlagBits == static_cast<std::uint32_t>(restarts_ & (0xFFFFFFFFu >> kFlagBits));
}

// Every slot written before is stale from now on: no need to clear 12 MiB.
void CheckedSpecs::forget_all() {
  ids_.clear();
  texts_.clear();
  texts_.shrink_to_fit();
  text_bytes_ = 0;
  ++restarts_;
}

std::size_t CheckedSpecs::texts() const {
  std::lock_guard lock(mutex_);
  return texts_.size();
}

std::size_t CheckedSpecs::text_bytes() const {
  std::lock_guard lock(mutex_);
  return text_bytes_;
}

std::size_t CheckedSpecs::restarts() const {
  std::lock_guard lock(mutex_);
  return restarts_;
}

bool CheckedSpecs::find(std::string_view hash, Spec& out) const {
  const std::uint64_t key = key_of(hash);
  const Slot* const ways = slots_ + set_of(key) * kWays;
  std::lock_guard lock(mutex_);
  for (std::size_t w = 0; w < kWays; ++w) {
    const Slot& s = ways[w];
    if (s.key != key || !current(s)) continue;
    if (std::max({s.name, s.version, s.provider_hash, s.provider_name}) >= texts_.size()) return false;
    out.fingerprint = {s.low, s.high};
    out.length = s.length;
    out.compiler_given = s.flags & kCompilerGiven;
    out.provides_compiler = s.flags & kProvidesCompiler;
    out.has_provider = s.flags & kHasProvider;
    out.name = *texts_[s.name];
    out.version = *texts_[s.version];
    out.provider_hash = *texts_[s.provider_hash];
    out.provider_name = *texts_[s.provider_name];
    return true;
  }
  return false;
}

void CheckedSpecs::remember(std::string_view hash, const Spec& spec) {
  const std::uint64_t key = key_of(hash);
  Slot* const ways = slots_ + set_of(key) * kWays;
  std::lock_guard lock(mutex_);
  // Texts new at every turn, again and again (no real tree does that): what
  // keeping them costs is no longer worth it for this run.
  if (restarts_ == kMaxRestarts) return;
  // Each text looked up once: those kept give their ids, the others are kept
  // once there is room (after a restart, every one of them).
  const std::string_view texts[4] = {spec.name, spec.version, spec.provider_hash, spec.provider_name};
  std::int64_t ids[4];
  std::size_t new_texts = 0, new_bytes = 0;
  for (int t = 0; t < 4; ++t) {
    const auto it = ids_.find(texts[t]);
    ids[t] = it == ids_.end() ? -1 : static_cast<std::int64_t>(it->second);
    if (ids[t] < 0) ++new_texts, new_bytes += texts[t].size();
  }
  if (new_bytes > kMaxTextBytes) return;
  if (texts_.size() + new_texts > kMaxTexts || text_bytes_ + new_bytes > kMaxTextBytes) {
    forget_all();
    std::fill(std::begin(ids), std::end(ids), -1);
  }
  for (int t = 0; t < 4; ++t)
    if (ids[t] < 0) ids[t] = text_id(texts[t]);
  // Its own slot, else an empty one, else one taken by another hash (an older
  // spec gives way: a run's later indexes repeat its later releases).
  std::size_t w = 0;
  while (w < kWays && !(ways[w].key == key && current(ways[w]))) ++w;
  if (w == kWays) {
    w = 0;
    while (w < kWays && ways[w].key != 0 && current(ways[w])) ++w;
  }
  if (w == kWays) w = static_cast<std::size_t>(key >> 60) % kWays;
  Slot& s = ways[w];
  s.key = key;
  s.low = spec.fingerprint.low;
  s.high = spec.fingerprint.high;
  s.length = spec.length;
  s.flags = (spec.compiler_given ? kCompilerGiven : 0) | (spec.provides_compiler ? kProvidesCompiler : 0) |
            (spec.has_provider ? kHasProvider : 0) | static_cast<std::uint32_t>(restarts_ << kFlagBits);
  s.name = static_cast<std::uint32_t>(ids[0]);
  s.version = static_cast<std::uint32_t>(ids[1]);
  s.provider_hash = static_cast<std::uint32_t>(ids[2]);
  s.provider_name = static_cast<std::uint32_t>(ids[3]);
}

}  // namespace cachedb::spack_index
