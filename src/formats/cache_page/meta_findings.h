#pragma once
// What a cache page's 'meta' claims, checked against the specs it lists.
#include <string>
#include <vector>

#include "formats/cache_page/page.h"
#include "formats/finding.h"

namespace cachedb {

// Compares the page's `meta` (num_specs, num_specs_by_stack, stacks) with its
// spec_details; appends one finding per disagreeing key. A page without meta,
// or a key meta leaves out, is not a finding.
void check_meta(const Page& page, const std::string& path, std::vector<Finding>& out);

// A finding of `kind` about the page read from `path`.
Finding page_finding(const Page& page, const std::string& path, std::string kind, std::string message);

}  // namespace cachedb
