#include "formats/cache_page/meta_findings.h"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

namespace cachedb {
namespace {

void append(std::string& list, std::string_view item) {
  if (!list.empty()) list += ", ";
  list += item;
}

}  // namespace

Finding page_finding(const Page& page, const std::string& path, std::string kind, std::string message) {
  return {path, page.release, page.package, std::move(kind), {}, std::move(message)};
}

void MetaTally::add(const SpecList& specs) {
  // This runs on every page read, so no allocation per spec: a real page
  // names a handful of distinct stacks, found by a linear search, and only a
  // page that names more gets a map. A stack a spec repeats is counted once for it.
  constexpr std::size_t kSearched = 16;
  auto slot_of = [&](std::string_view stack) -> std::size_t {
    if (index_.empty()) {
      for (std::size_t i = 0; i < per_stack_.size(); ++i)
        if (per_stack_[i].first == stack) return i;
      if (per_stack_.size() == kSearched)
        for (std::size_t i = 0; i < per_stack_.size(); ++i) index_.emplace(per_stack_[i].first, i);
    }
    if (!index_.empty()) {
      auto [it, added] = index_.try_emplace(stack, per_stack_.size());
      if (!added) return it->second;
    }
    per_stack_.emplace_back(stack, 0);
    last_spec_.push_back(SIZE_MAX);
    return per_stack_.size() - 1;
  };
  for (const auto& spec : specs) {
    if (too_many_) return;
    for (const auto stack : spec.stacks) {
      // A page naming more stacks than any could (real pages name a few
      // dozen) is not tallied on: a table of millions of names would cost
      // ~90 bytes each, where the page spends a few.
      if (per_stack_.size() == kMaxStacks && index_.find(stack) == index_.end()) {
        too_many_ = true;
        return;
      }
      const std::size_t slot = slot_of(stack);
      if (last_spec_[slot] == spec_number_) continue;
      last_spec_[slot] = spec_number_;
      ++per_stack_[slot].second;
    }
    ++spec_number_;
  }
}

void check_meta(const Page& page, const std::string& path, std::vector<Finding>& out) {
  MetaTally tally;
  if (MetaTally::wanted(page.meta)) tally.add(page.specs);
  tally.check(page, path, out);
}

void MetaTally::check(const Page& page, const std::string& path, std::vector<Finding>& out) {
  const PageMeta& meta = page.meta;
  if (!meta.present) return;

  const auto listed = static_cast<std::int64_t>(page.spec_count);
  if (meta.num_specs && *meta.num_specs != listed)
    out.push_back(page_finding(page, path, "num_specs",
                          fmt::format("meta.num_specs is {} but spec_details lists {} specs", *meta.num_specs,
                                      listed)));

  if (meta.num_specs_by_stack.empty() && meta.stacks.empty()) return;
  if (too_many_) {
    out.push_back(page_finding(page, path, "stacks",
                               fmt::format("spec_details names more than {} stacks: meta.stacks and "
                                           "meta.num_specs_by_stack were not compared with it",
                                           kMaxStacks)));
    return;
  }

  // The stacks in byte order keep the messages stable from run to run.
  auto by_name = [](const Count& a, const Count& b) { return a.first < b.first; };
  std::vector<Count>& per_stack = per_stack_;
  std::sort(per_stack.begin(), per_stack.end(), by_name);
  auto count_of = [&](std::string_view stack) -> const Count* {
    auto it = std::lower_bound(per_stack.begin(), per_stack.end(), Count{stack, 0}, by_name);
    return it != per_stack.end() && it->first == stack ? &*it : nullptr;
  };

  if (!meta.num_specs_by_stack.empty()) {
    // A stack named twice in meta: the last count stands, as a JSON reader keeps it.
    std::vector<Count> claimed(meta.num_specs_by_stack.rbegin(), meta.num_specs_by_stack.rend());
    std::stable_sort(claimed.begin(), claimed.end(), by_name);
    claimed.erase(std::unique(claimed.begin(), claimed.end(),
                              [](const Count& a, const Count& b) { return a.first == b.first; }),
                  claimed.end());
    auto is_claimed = [&](std::string_view stack) {
      return std::binary_search(claimed.begin(), claimed.end(), Count{stack, 0}, by_name);
    };
    std::string diffs;
    for (const auto& [stack, n] : claimed) {
      const Count* counted = count_of(stack);
      const std::int64_t actual = counted ? counted->second : 0;
      if (actual != n) append(diffs, fmt::format("{} {} in meta, {} in spec_details", stack, n, actual));
    }
    for (const auto& [stack, n] : per_stack)
      if (!is_claimed(stack)) append(diffs, fmt::format("{} missing from meta, {} in spec_details", stack, n));
    if (!diffs.empty())
      out.push_back(page_finding(page, path, "num_specs_by_stack", "meta.num_specs_by_stack disagrees: " + diffs));
  }

  if (!meta.stacks.empty()) {
    std::vector<std::string_view> claimed(meta.stacks.begin(), meta.stacks.end());
    std::sort(claimed.begin(), claimed.end());
    claimed.erase(std::unique(claimed.begin(), claimed.end()), claimed.end());
    std::string only_meta, only_specs;
    for (auto stack : claimed)
      if (!count_of(stack)) append(only_meta, stack);
    for (const auto& [stack, n] : per_stack)
      if (!std::binary_search(claimed.begin(), claimed.end(), stack)) append(only_specs, stack);
    if (!only_meta.empty() || !only_specs.empty()) {
      std::string message = "meta.stacks disagrees with spec_details:";
      if (!only_meta.empty()) message += " only in meta: " + only_meta + ";";
      if (!only_specs.empty()) message += " only in spec_details: " + only_specs + ";";
      message.pop_back();
      out.push_back(page_finding(page, path, "stacks", std::move(message)));
    }
  }
}

}  // namespace cachedb
