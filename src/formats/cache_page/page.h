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

// One binary as the page describes it. The views point into Page::storage.
struct SpecRecord {
  std::string_view hash;
  std::string_view compiler;  // 'none' when the page gives none
  std::string_view os, platform, target;
  std::string_view tarball;   // empty when absent
  std::optional<std::int64_t> size;  // absent when '-'
  // Lists live in Page::lists, so a page with thousands of specs makes a
  // handful of allocations, not three per spec.
  std::span<const std::string_view> versions;
  std::span<const std::string_view> variants;
  std::span<const std::string_view> stacks;
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
  std::vector<SpecRecord> specs;
  std::size_t spec_details_line = 0;
  // The page's own bytes, which the string_views above point into: meta and
  // spec_details are parsed in place (a cache page only; empty otherwise).
  PaddedBuffer storage;
  // Every spec's versions, variants and stacks, one after the other.
  std::vector<std::string_view> lists;

  // The bytes the page holds on the heap, about (what bounds the loader's queue).
  std::size_t memory_size() const {
    return storage.allocated() + specs.capacity() * sizeof(SpecRecord) +
           lists.capacity() * sizeof(std::string_view) + release.capacity() + package.capacity() +
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
