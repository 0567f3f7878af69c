// The index ingest's table of spec ids by DAG hash (ingest/spec_id_cache.h):
// Spack's hashes packed exactly, other text left to the database, and a
// bound that empties it rather than grow.
#include <doctest/doctest.h>

#include <string>


#include "ingest/spec_id_cache.h"

using cachedb::SpecIdCache;

namespace {

// A distinct 32-character base32 hash for each n.
std::string hash_of(std::size_t n) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string h(32, 'a');
  for (std::size_t i = 0; i < 32 && n; ++i, n /= 32) h[31 - i] = kAlphabet[n % 32];
  return h;
}

}  // namespace

TEST_CASE("spec id cache: Spack's hashes are kept and told apart to the last bit") {
  SpecIdCache cache;
  const std::string a = "abcdefghijklmnopqrstuvwxyz234567", b = "abcdefghijklmnopqrstuvwxyz234566";
  CHECK_FALSE(cache.find(a));
  cache.insert(a, 7);
  cache.insert(b, 8);
  CHECK(cache.find(a) == 7);
  CHECK(cache.find(b) == 8);
  CHECK(cache.size() == 2);
  // Another id for the same hash replaces the first.
  cache.insert(a, 9);
  CHECK(cache.find(a) == 9);
  CHECK(cache.size() == 2);
  // Each of the 32 characters counts: hashes one character apart are different.
  for (std::size_t i = 0; i < 32; ++i) {
    std::string c = a;
    c[i] = c[i] == 'q' ? 'r' : 'q';
    CHECK_FALSE(cache.contains(c));
  }
}

TEST_CASE("spec id cache: every value of every character is its own key, and any other character is refused") {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  SpecIdCache cache;
  const std::string base(32, 'a');
  std::int64_t id = 0;
  for (std::size_t i = 0; i < 32; ++i)
    for (std::size_t v = 1; v < 32; ++v) {
      std::string h = base;
      h[i] = kAlphabet[v];
      cache.insert(h, ++id);
    }
  cache.insert(base, ++id);
  CHECK(cache.size() == 32 * 31 + 1);
  id = 0;
  for (std::size_t i = 0; i < 32; ++i)
    for (std::size_t v = 1; v < 32; ++v) {
      std::string h = base;
      h[i] = kAlphabet[v];
      CHECK(cache.find(h) == ++id);
    }
  CHECK(cache.find(base) == ++id);
  for (std::size_t i = 0; i < 32; ++i)
    for (char odd : {'A', 'Z', '0', '1', '8', '`', '{', '\0', '\xe9'}) {
      std::string h = base;
      h[i] = odd;
      cache.insert(h, 1);
      CHECK_FALSE(cache.contains(h));
    }
}

TEST_CASE("spec id cache: text that is not a Spack hash, or an id beyond 32 bits, is left to the database") {
  SpecIdCache cache;
  for (std::string odd : {"abc", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "abcdefghijklmnopqrstuvwxyz012345",
                          "abcdefghijklmnopqrstuvwxyz2345678"}) {
    cache.insert(odd, 1);
    CHECK_FALSE(cache.contains(odd));
  }
  cache.insert(hash_of(1), std::int64_t{1} << 32);
  CHECK_FALSE(cache.contains(hash_of(1)));
  cache.insert(hash_of(1), 0);
  CHECK_FALSE(cache.contains(hash_of(1)));
  CHECK(cache.size() == 0);
  CHECK_FALSE(cache.holds_all());
  SpecIdCache fresh;
  CHECK(fresh.holds_all());
  fresh.insert(hash_of(2), 2);
  CHECK(fresh.holds_all());
  fresh.insert("abc", 3);  // refused: not all it was given is held
  CHECK_FALSE(fresh.holds_all());
}

TEST_CASE("spec id cache: full, it is emptied before the next hash is kept") {
  SpecIdCache cache;
  // The hashes differ in their last four characters only, as a mirror's made-up
  // keys may: they spread over the table all the same (once, each probed from
  // one slot, 2 billion probes in all, and an index of 60,000 such keys took 27 s).
  for (std::size_t i = 0; i < SpecIdCache::kMaxEntries; ++i) cache.insert(hash_of(i), static_cast<std::int64_t>(i + 1));
  CHECK(cache.extra_probes() < 4 * SpecIdCache::kMaxEntries);
  CHECK(cache.size() == SpecIdCache::kMaxEntries);
  CHECK(cache.find(hash_of(0)) == 1);
  CHECK(cache.find(hash_of(SpecIdCache::kMaxEntries - 1)) == static_cast<std::int64_t>(SpecIdCache::kMaxEntries));
  CHECK(cache.holds_all());
  cache.insert(hash_of(SpecIdCache::kMaxEntries), 5);
  CHECK(cache.size() == 1);
  // What it held is gone: the writer may no longer take a hash it lacks for new.
  CHECK_FALSE(cache.holds_all());
  CHECK_FALSE(cache.contains(hash_of(0)));
  CHECK(cache.find(hash_of(SpecIdCache::kMaxEntries)) == 5);
}
