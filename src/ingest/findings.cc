#include "ingest/findings.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include <fmt/format.h>

namespace cachedb {
namespace {

Finding finding(const Page& page, const std::string& path, std::string kind, std::string message) {
  return {path, page.release, page.package, std::move(kind), {}, std::move(message)};
}

void append(std::string& list, std::string_view item) {
  if (!list.empty()) list += ", ";
  list += item;
}

}  // namespace

std::string describe_differences(unsigned differs) {
  static constexpr std::pair<unsigned, std::string_view> kNames[] = {
      {SpecConflict::kPackage, "package"}, {SpecConflict::kCompiler, "compiler"},
      {SpecConflict::kOs, "os"},           {SpecConflict::kPlatform, "platform"},
      {SpecConflict::kTarget, "target"},   {SpecConflict::kVersions, "versions"},
      {SpecConflict::kVariants, "variants"},
  };
  std::string out;
  for (const auto& [bit, name] : kNames)
    if (differs & bit) append(out, name);
  return out;
}

void check_meta(const Page& page, const std::string& path, std::vector<Finding>& out) {
  const PageMeta& meta = page.meta;
  if (!meta.present) return;

  const auto listed = static_cast<std::int64_t>(page.specs.size());
  if (meta.num_specs && *meta.num_specs != listed)
    out.push_back(finding(page, path, "num_specs",
                          fmt::format("meta.num_specs is {} but spec_details lists {} specs", *meta.num_specs,
                                      listed)));

  if (meta.num_specs_by_stack.empty() && meta.stacks.empty()) return;

  // This runs on every page read, so no allocation per spec: a page names a
  // handful of distinct stacks, and a spec lists each of its stacks once (a
  // repeat within one spec is counted once all the same).
  std::vector<std::pair<std::string_view, std::int64_t>> counts;
  for (const auto& spec : page.specs)
    for (std::size_t i = 0; i < spec.stacks.size(); ++i) {
      const auto stack = spec.stacks[i];
      if (std::find(spec.stacks.begin(), spec.stacks.begin() + static_cast<std::ptrdiff_t>(i), stack) !=
          spec.stacks.begin() + static_cast<std::ptrdiff_t>(i))
        continue;
      auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == stack; });
      if (it == counts.end()) counts.emplace_back(stack, 1);
      else ++it->second;
    }
  // Byte order keeps the messages stable from run to run.
  const std::map<std::string_view, std::int64_t> per_stack(counts.begin(), counts.end());

  if (!meta.num_specs_by_stack.empty()) {
    std::map<std::string_view, std::int64_t> claimed;
    for (const auto& [stack, n] : meta.num_specs_by_stack) claimed[stack] = n;
    std::string diffs;
    for (const auto& [stack, n] : claimed) {
      auto it = per_stack.find(stack);
      const std::int64_t actual = it == per_stack.end() ? 0 : it->second;
      if (actual != n) append(diffs, fmt::format("{} {} in meta, {} in spec_details", stack, n, actual));
    }
    for (const auto& [stack, n] : per_stack)
      if (!claimed.count(stack)) append(diffs, fmt::format("{} missing from meta, {} in spec_details", stack, n));
    if (!diffs.empty())
      out.push_back(finding(page, path, "num_specs_by_stack", "meta.num_specs_by_stack disagrees: " + diffs));
  }

  if (!meta.stacks.empty()) {
    std::set<std::string_view> claimed(meta.stacks.begin(), meta.stacks.end());
    std::string only_meta, only_specs;
    for (auto stack : claimed)
      if (!per_stack.count(stack)) append(only_meta, stack);
    for (const auto& [stack, n] : per_stack)
      if (!claimed.count(stack)) append(only_specs, stack);
    if (!only_meta.empty() || !only_specs.empty()) {
      std::string message = "meta.stacks disagrees with spec_details:";
      if (!only_meta.empty()) message += " only in meta: " + only_meta + ";";
      if (!only_specs.empty()) message += " only in spec_details: " + only_specs + ";";
      message.pop_back();
      out.push_back(finding(page, path, "stacks", std::move(message)));
    }
  }
}

void note_conflicts(const Page& page, const std::string& path, const std::vector<SpecConflict>& conflicts,
                    std::vector<Finding>& out) {
  for (const auto& c : conflicts) {
    Finding f = finding(page, path, "hash_conflict",
                        fmt::format("spec {} was stored with a different {}; this page's description is kept",
                                    c.hash, describe_differences(c.differs)));
    f.hash = c.hash;
    out.push_back(std::move(f));
  }
}

}  // namespace cachedb
