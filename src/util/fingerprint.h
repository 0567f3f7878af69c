#pragma once
// A text by a 128-bit XXH3 fingerprint of it, for caches of ids keyed by
// text: an entry is 16 bytes of key whatever the text's length (a set of a
// spec's variants is a few hundred bytes of key), and two texts share a
// fingerprint with a probability of 2^-128 (xxHash's own figure for XXH128).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_map>

#include <xxhash.h>

namespace cachedb {

struct Fingerprint {
  std::uint64_t low, high;
  bool operator==(const Fingerprint&) const = default;
};

inline Fingerprint fingerprint_of(std::string_view text) {
  const XXH128_hash_t h = XXH3_128bits(text.data(), text.size());
  return {h.low64, h.high64};
}

// The same with a seed of the caller's: one chosen at random, so that no
// input can be made to collide with another (spack_index/checked_specs.h).
inline Fingerprint fingerprint_of(std::string_view text, std::uint64_t seed) {
  const XXH128_hash_t h = XXH3_128bits_withSeed(text.data(), text.size(), seed);
  return {h.low64, h.high64};
}

struct FingerprintHash {
  // The bits of a fingerprint are already uniformly spread.
  std::size_t operator()(const Fingerprint& f) const { return static_cast<std::size_t>(f.low); }
};

template <typename V>
using FingerprintMap = std::unordered_map<Fingerprint, V, FingerprintHash>;

}  // namespace cachedb
