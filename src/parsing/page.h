#pragma once
// A cache.spack.io page (`_cache/<release>/<package>/specs.md`) read into memory.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cachedb {

enum class PageKind {
  Cache,     // a page of the current site: layout cache with spec_details
  NotCache,  // any other markdown file (no front matter, another layout)
  Legacy,    // a page of the 2021 site: spec_files instead of spec_details
};

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
// Its names point into `storage` (parsed in place, like spec_details).
struct PageMeta {
  bool present = false;
  std::optional<std::int64_t> num_specs;
  std::vector<std::pair<std::string_view, std::int64_t>> num_specs_by_stack;
  std::vector<std::string_view> stacks;
  std::unique_ptr<char[]> storage;
};

struct Page {
  PageKind kind = PageKind::NotCache;
  std::string release;   // second element of 'categories'
  std::string package;   // 'title'
  PageMeta meta;
  std::vector<SpecRecord> specs;
  std::size_t spec_details_line = 0;
  // The JSON text the string_views above point into (parsed in place).
  std::unique_ptr<char[]> storage;
  std::size_t storage_size = 0;
  // Every spec's versions, variants and stacks, one after the other.
  std::vector<std::string_view> lists;

  // The bytes the page holds on the heap, about (what bounds the loader's queue).
  std::size_t memory_size() const {
    return storage_size + specs.capacity() * sizeof(SpecRecord) + lists.capacity() * sizeof(std::string_view) +
           release.capacity() + package.capacity();
  }
};

// Parses a page. Returns a Page of kind NotCache or Legacy for files that are
// not cache pages; throws ParseError (with the line, when known) for a cache
// page that cannot be read.
Page parse_page(std::string_view text);

}  // namespace cachedb
