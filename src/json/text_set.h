#pragma once
// A set of texts from one file (its records' hashes, the distinct values
// checked once), made for the parse's hot loop.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace cachedb::json {

// A set of texts, by open addressing in a table kept at most half full: an
// allocation when it grows, where a set of nodes made one per text. A Slot is
// what the table holds, text(slot) its text: an index (0 when free) or a text
// itself (without data when free; texts from a page always have some).
template <typename Slot, typename Text>
class TextSet {
 public:
  TextSet(std::size_t expected, Text text) : text_(text) {
    std::size_t capacity = 16;
    while (capacity < 2 * expected) capacity *= 2;
    slots_.assign(capacity, Slot{});
  }

  // Adds `slot`; false when a slot with the same text is there already.
  bool insert(Slot slot) {
    if (2 * (used_ + 1) > slots_.size()) grow();
    const std::string_view text = text_(slot);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t s = std::hash<std::string_view>{}(text) & mask;; s = (s + 1) & mask) {
      if (is_free(slots_[s])) {
        slots_[s] = slot;
        ++used_;
        return true;
      }
      if (text_(slots_[s]) == text) return false;
    }
  }

 private:
  static bool is_free(std::uint32_t slot) { return slot == 0; }
  static bool is_free(std::string_view slot) { return slot.data() == nullptr; }

  void grow() {
    std::vector<Slot> old(slots_.size() * 2, Slot{});
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (is_free(slot)) continue;
      std::size_t s = std::hash<std::string_view>{}(text_(slot)) & mask;
      while (!is_free(slots_[s])) s = (s + 1) & mask;
      slots_[s] = slot;
    }
  }

  Text text_;
  std::vector<Slot> slots_;
  std::size_t used_ = 0;
};

}  // namespace cachedb::json
