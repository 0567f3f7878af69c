#pragma once
// A cache.spack.io page (`_cache/<release>/<package>/specs.md`) read into memory.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json/padded_buffer.h"

namespace cachedb {

enum class PageKind {
  Cache,     // a page of the current site: layout cache with spec_details
  NotCache,  // any other markdown file (no front matter, another layout)
  Legacy,    // a page of the 2021 site: spec_files instead of spec_details
};

// Whether a file whose name is `path` is where the site keeps a cache page
// (`<release>/<package>/specs.md`): a file there that is not a cache page is
// a broken one, rejected rather than skipped.
bool at_cache_page_path(std::string_view path);

// One binary as the page describes it. The views point into Page::storage,
// the spans into the page's SpecList.
struct SpecRecord {
  std::string_view hash;
  std::string_view compiler;  // 'none' when the page gives none
  std::string_view os, platform, target;
  std::string_view tarball;   // empty when absent
  std::optional<std::int64_t> size;  // absent when '-'
  std::span<const std::string_view> versions;
  std::span<const std::string_view> variants;
  std::span<const std::string_view> stacks;
};

// A page's specs, packed: a page of a million specs holds a million of them
// at once, and a SpecRecord (160 bytes) would weigh twice the page's own text.
// Each is kept as offsets into the page's text (the page limit, 256 MiB, fits
// 32 bits; the text limits, 16 KiB, fit 16) and read back as a SpecRecord.
class SpecList {
 public:
  std::size_t size() const { return packed_.size(); }
  bool empty() const { return packed_.empty(); }
  SpecRecord operator[](std::size_t i) const;
  SpecRecord at(std::size_t i) const;  // throws std::out_of_range

  class iterator {
   public:
    using value_type = SpecRecord;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    SpecRecord operator*() const { return (*list_)[at_]; }
    iterator& operator++() { ++at_; return *this; }
    iterator operator++(int) { auto was = *this; ++at_; return was; }
    bool operator==(const iterator& other) const { return at_ == other.at_; }

   private:
    friend class SpecList;
    iterator(const SpecList* list, std::size_t at) : list_(list), at_(at) {}
    const SpecList* list_ = nullptr;
    std::size_t at_ = 0;
  };
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, packed_.size()}; }

  // The bytes it holds on the heap.
  std::size_t memory_size() const {
    return packed_.capacity() * sizeof(Packed) + lists_.capacity() * sizeof(std::string_view);
  }

  // A text of the page's, by where it is in the text starting at `base`.
  struct Text {
    std::uint32_t at = 0;
    std::uint16_t length = 0;
  };
  // Where a list's strings are in lists().
  struct Range {
    std::uint32_t first = 0, count = 0;
  };
  static constexpr std::int64_t kNoSize = INT64_MIN;
  struct Packed {
    std::int64_t size = kNoSize;
    Text hash, compiler, os, platform, target, tarball;  // compiler: empty for 'none'
    Range versions, variants, stacks;
  };

  // For the page's reader, which fills it.
  void set_base(const char* base) { base_ = base; }
  std::vector<Packed>& packed() { return packed_; }
  const std::vector<Packed>& packed() const { return packed_; }
  std::vector<std::string_view>& lists() { return lists_; }
  const std::vector<std::string_view>& lists() const { return lists_; }
  std::string_view text(Text t) const { return {base_ + t.at, t.length}; }
  Text text_of(std::string_view s) const {
    if (s.empty()) return {};  // an absent text has no place in the page
    return {static_cast<std::uint32_t>(s.data() - base_), static_cast<std::uint16_t>(s.size())};
  }

 private:
  const char* base_ = nullptr;
  std::vector<Packed> packed_;
  // Every spec's versions, variants and stacks, one after the other: a page
  // with thousands of specs makes a handful of allocations, not three per spec.
  std::vector<std::string_view> lists_;
};

// What a page's 'meta' object claims, kept to check it against spec_details.
// Its names point into the Page's storage (parsed in place, like spec_details).
struct PageMeta {
  bool present = false;
  std::optional<std::int64_t> num_specs;
  std::vector<std::pair<std::string_view, std::int64_t>> num_specs_by_stack;
  std::vector<std::string_view> stacks;
};

struct Page {
  PageKind kind = PageKind::NotCache;
  // NotCache: why the file is not taken for a cache page ("no front matter",
  // "'layout' is 'default'"), for -v and for a rejection at a cache page's path.
  std::string not_cache;
  std::string release;   // second element of 'categories'
  std::string package;   // 'title'
  PageMeta meta;
  SpecList specs;
  std::size_t spec_details_line = 0;
  // The page's own bytes, which the string_views above point into: meta and
  // spec_details are parsed in place (a cache page only; empty otherwise).
  PaddedBuffer storage;

  // The bytes the page holds on the heap, about (what bounds the loader's queue).
  std::size_t memory_size() const {
    return storage.allocated() + specs.memory_size() + release.capacity() + package.capacity() +
           meta.num_specs_by_stack.capacity() * sizeof(meta.num_specs_by_stack[0]) +
           meta.stacks.capacity() * sizeof(std::string_view);
  }
};

// Parses a page in its own buffer, which the Page keeps when it is a cache
// page (the buffer's text is rewritten by the parse). Returns a Page of kind
// NotCache or Legacy for files that are not cache pages; throws ParseError
// (with the line of the original text, when known) for a cache page that
// cannot be read. A file that looks like a cache page in any way (a 'layout'
// that starts with 'cache', a 'spec_details' or 'meta' key) is taken for one:
// when it cannot be read it is rejected, never skipped, so that a corrupt
// page cannot pass for ordinary markdown (and be pruned as gone).
Page parse_page(PaddedBuffer bytes);
// The same, on a copy of `text`.
Page parse_page(std::string_view text);

}  // namespace cachedb
