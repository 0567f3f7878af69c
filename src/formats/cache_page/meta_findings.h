#pragma once
// What a cache page's 'meta' claims, checked against the specs it lists.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "formats/cache_page/page.h"
#include "formats/finding.h"

namespace cachedb {

// Compares the page's `meta` (num_specs, num_specs_by_stack, stacks) with its
// spec_details; appends one finding per disagreeing key. A page without meta,
// or a key meta leaves out, is not a finding.
void check_meta(const Page& page, const std::string& path, std::vector<Finding>& out);

// The same, counted as the specs come: a page read whole is counted at once,
// a streamed one (SpecStream) a chunk at a time. The stacks' names are views
// into the page's text, which must outlive the tally.
class MetaTally {
 public:
  // Whether meta claims anything of the stacks: else there is nothing to tally.
  static bool wanted(const PageMeta& meta) {
    return meta.present && (!meta.num_specs_by_stack.empty() || !meta.stacks.empty());
  }
  void add(const SpecList& specs);
  // Compares meta with what was added (the page's spec_count specs); once.
  void check(const Page& page, const std::string& path, std::vector<Finding>& out);
  // The distinct stacks tallied at most.
  static constexpr std::size_t kMaxStacks = 65536;

 private:
  using Count = std::pair<std::string_view, std::int64_t>;
  std::vector<Count> per_stack_;            // specs per stack, in the order met
  std::vector<std::size_t> last_spec_;      // of each of per_stack_: the spec that counted it last
  std::unordered_map<std::string_view, std::size_t> index_;  // into per_stack_, once it outgrows a search
  std::size_t spec_number_ = 0;
  bool too_many_ = false;  // more than kMaxStacks: not tallied on
};

// A finding of `kind` about the page read from `path`.
Finding page_finding(const Page& page, const std::string& path, std::string kind, std::string message);

}  // namespace cachedb
