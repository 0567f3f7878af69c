#pragma once
// A cache.spack.io page (`_cache/<release>/<package>/specs.md`) read into memory.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <iterator>
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

// A page's texts are kept as offsets into its text, which the parse has
// rewritten in place: each string decoded where it stood and ended by a NUL.
// A stored text holds no NUL (text_problem), so the NUL gives its length.
using TextAt = std::uint32_t;
constexpr TextAt kNoText = UINT32_MAX;  // an absent text: a null view
// The largest page that can be read: every offset into it fits a TextAt. The
// page limit (--max-page-bytes) may not be set above it.
constexpr std::uint64_t kMaxPageBytes = UINT32_MAX;
inline std::string_view text_at(const char* base, TextAt at) {
  return at == kNoText ? std::string_view() : std::string_view(base + at);
}

// One of a spec's lists (versions, variants, stacks): a view of its texts.
class TextList {
 public:
  TextList() = default;
  TextList(const char* base, const TextAt* at, std::size_t count) : base_(base), at_(at), count_(count) {}
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::string_view operator[](std::size_t i) const { return text_at(base_, at_[i]); }

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = std::string_view;
    using reference = std::string_view;
    using pointer = void;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    std::string_view operator*() const { return text_at(base_, *at_); }
    iterator& operator++() { ++at_; return *this; }
    iterator operator++(int) { auto was = *this; ++at_; return was; }
    bool operator==(const iterator& other) const { return at_ == other.at_; }

   private:
    friend class TextList;
    iterator(const char* base, const TextAt* at) : base_(base), at_(at) {}
    const char* base_ = nullptr;
    const TextAt* at_ = nullptr;
  };
  iterator begin() const { return {base_, at_}; }
  iterator end() const { return {base_, at_ + count_}; }

 private:
  const char* base_ = nullptr;
  const TextAt* at_ = nullptr;
  std::size_t count_ = 0;
};

// One binary as the page describes it. The views point into Page::storage.
struct SpecRecord {
  std::string_view hash;
  std::string_view compiler;  // 'none' when the page gives none
  std::string_view os, platform, target;
  std::string_view tarball;   // empty when absent
  std::optional<std::int64_t> size;  // absent when '-'
  TextList versions, variants, stacks;
};

// A page's specs, packed: a page of a million specs holds a million of them
// at once, and a SpecRecord of views (184 bytes) would weigh twice the
// page's own text. Each is kept as offsets into the page's text (56 bytes, and 4 per
// item of a list) and read back as a SpecRecord.
class SpecList {
 public:
  std::size_t size() const { return packed_.size(); }
  bool empty() const { return packed_.empty(); }
  SpecRecord operator[](std::size_t i) const;
  SpecRecord at(std::size_t i) const;  // throws std::out_of_range

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = SpecRecord;
    using reference = SpecRecord;
    using pointer = void;
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

  // The bytes it holds in memory: those written, which bound the pages in
  // flight (file_source.cc). Counting the room a growing vector has not yet
  // written (up to as much again) would hold fewer pages ahead of the writer.
  std::size_t memory_size() const { return packed_.size() * sizeof(Packed) + lists_.size() * sizeof(TextAt); }

  // Where a list's texts are in lists().
  struct Range {
    std::uint32_t first = 0, count = 0;
  };
  static constexpr std::int64_t kNoSize = INT64_MIN;
  struct Packed {
    std::int64_t size = kNoSize;
    TextAt hash = kNoText, compiler = kNoText, os = kNoText, platform = kNoText, target = kNoText,
           tarball = kNoText;  // compiler: absent or empty for 'none'
    Range versions, variants, stacks;
  };

  // For the page's reader, which fills it.
  void set_base(const char* base) { base_ = base; }
  std::vector<Packed>& packed() { return packed_; }
  const std::vector<Packed>& packed() const { return packed_; }
  std::vector<TextAt>& lists() { return lists_; }
  // Forgets the specs (a streamed chunk), keeping their room for the next.
  void clear() {
    packed_.clear();
    lists_.clear();
  }
  std::string_view text(TextAt at) const { return text_at(base_, at); }
  // Where `s`, a NUL-terminated text of the page's, is; kNoText for an absent
  // one (a null view). An empty text on the page ("os": "") has a place, its
  // NUL, and is stored as the empty text it is, not as absent.
  TextAt at_of(std::string_view s) const {
    return s.data() == nullptr ? kNoText : static_cast<TextAt>(s.data() - base_);
  }

 private:
  const char* base_ = nullptr;
  std::vector<Packed> packed_;
  // Every spec's versions, variants and stacks, one after the other: a page
  // with thousands of specs makes a handful of allocations, not three per spec.
  std::vector<TextAt> lists_;
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
  // The specs spec_details lists (specs.size() unless they were streamed).
  std::size_t spec_count = 0;
  // A page read in chunks (SpecStream): its specs went to the stream's `take`
  // and `specs` is empty. The ingest's loader (CachePageFormat) then releases
  // its storage and the meta names that pointed into it, and the writer reads
  // the file again to write it.
  bool streamed = false;
  std::size_t streamed_bytes = 0;  // streamed: the size of the file, which the writer reads again
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
    return storage.allocated() + streamed_bytes + specs.memory_size() + release.capacity() + package.capacity() +
           meta.num_specs_by_stack.capacity() * sizeof(meta.num_specs_by_stack[0]) +
           meta.stacks.capacity() * sizeof(std::string_view);
  }
};

// Real pages list a few specs (the largest of the site's a few MB): the ingest
// and `check` stream only pages whose spec_details is far larger than any seen.
constexpr std::size_t kStreamSpecsFrom = std::size_t{4} << 20;
// Specs per streamed chunk, at most; and the list items at which a chunk ends
// sooner (1 MiB of them; one spec may hold 3 x 65,536).
constexpr std::size_t kSpecChunk = 4096;
constexpr std::size_t kChunkItems = std::size_t{1} << 18;

// How a page whose spec_details is large is read: its specs handed to `take`
// a chunk at a time, each chunk once it and every spec before it are known to
// be storable, the chunk then forgotten. A page of a million specs then holds
// its text and a chunk, not a packed record of every spec besides (56 bytes
// each, and 4 per list item: up to ~2.5 times the page). The page is still
// rejected as a whole (bad JSON anywhere, or a rule broken by any spec, with
// the same message as when read whole); what `take` got before is then the
// caller's to drop.
struct SpecStream {
  std::size_t from_bytes = 0;  // spec_details values at least this large are streamed
  std::function<void(const SpecList&)> take;
  // A chunk ends after this many specs, or after the spec that takes its
  // lists to this many items (smaller in tests and the fuzzer).
  std::size_t chunk_specs = kSpecChunk, chunk_items = kChunkItems;
};

// Parses a page in its own buffer, which the Page keeps when it is a cache
// page (the buffer's text is rewritten by the parse). Returns a Page of kind
// NotCache or Legacy for files that are not cache pages; throws ParseError
// (with the line of the original text, when known) for a cache page that
// cannot be read. A file that looks like a cache page in any way (a 'layout'
// that starts with 'cache', a 'spec_details' or 'meta' key) is taken for one:
// when it cannot be read it is rejected, never skipped, so that a corrupt
// page cannot pass for ordinary markdown (and be pruned as gone).
Page parse_page(PaddedBuffer bytes, const SpecStream* stream = nullptr);
// The same, on a copy of `text`.
Page parse_page(std::string_view text, const SpecStream* stream = nullptr);

}  // namespace cachedb
