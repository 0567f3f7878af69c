#include "formats/spack_index/checked_specs.h"

#include <random>

#include <xxhash.h>

namespace cachedb::spack_index {

// The fingerprint, the length, the flags, and the ids of its four texts.
struct CheckedSpecs::Slot {
  std::uint64_t key;  // key_of(hash); 0 for an empty slot
  std::uint64_t low, high;
  std::uint32_t length;
  std::uint32_t flags;
  std::uint32_t name, version, provider_hash, provider_name;
};

namespace {
constexpr std::uint32_t kCompilerGiven = 1, kProvidesCompiler = 2, kHasProvider = 4;

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

CheckedSpecs::Fingerprint CheckedSpecs::fingerprint(const char* bytes, std::size_t n) const {
  const XXH128_hash_t h = XXH3_128bits_withSeed(bytes, n, seed_);
  return {h.low64, h.high64};
}

std::uint64_t CheckedSpecs::key_of(std::string_view hash) const { return XXH3_64bits(hash.data(), hash.size()) | 1; }

std::int64_t CheckedSpecs::text_id(std::string_view text) {
  if (auto it = ids_.find(text); it != ids_.end()) return it->second;
  if (texts_.size() == kMaxTexts) return -1;
  auto [it, added] = ids_.emplace(std::string(text), static_cast<std::uint32_t>(texts_.size()));
  texts_.push_back(&it->first);
  return it->second;
}

bool CheckedSpecs::find(std::string_view hash, Spec& out) const {
  const std::uint64_t key = key_of(hash);
  const Slot* const ways = slots_ + set_of(key) * kWays;
  std::lock_guard lock(mutex_);
  for (std::size_t w = 0; w < kWays; ++w) {
    const Slot& s = ways[w];
    if (s.key != key) continue;
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
  std::int64_t ids[4];
  const std::string_view texts[4] = {spec.name, spec.version, spec.provider_hash, spec.provider_name};
  for (int t = 0; t < 4; ++t)
    if ((ids[t] = text_id(texts[t])) < 0) return;  // texts enough kept: this spec is read when it comes again
  // Its own slot, else an empty one, else one taken by another hash (an older
  // spec gives way: a run's later indexes repeat its later releases).
  std::size_t w = 0;
  while (w < kWays && ways[w].key != key) ++w;
  if (w == kWays) {
    w = 0;
    while (w < kWays && ways[w].key != 0) ++w;
  }
  if (w == kWays) w = static_cast<std::size_t>(key >> 60) % kWays;
  Slot& s = ways[w];
  s.key = key;
  s.low = spec.fingerprint.low;
  s.high = spec.fingerprint.high;
  s.length = spec.length;
  s.flags = (spec.compiler_given ? kCompilerGiven : 0) | (spec.provides_compiler ? kProvidesCompiler : 0) |
            (spec.has_provider ? kHasProvider : 0);
  s.name = static_cast<std::uint32_t>(ids[0]);
  s.version = static_cast<std::uint32_t>(ids[1]);
  s.provider_hash = static_cast<std::uint32_t>(ids[2]);
  s.provider_name = static_cast<std::uint32_t>(ids[3]);
}

}  // namespace cachedb::spack_index
