#pragma once
// Data-quality findings: what a page says that does not add up. The page is
// stored all the same (the specs are what counts); the finding is logged and
// recorded in ingest_findings so an analyst can see where the site disagrees
// with itself.
#include <string>
#include <vector>

#include "ingest/page_writer.h"
#include "parsing/page.h"

namespace cachedb {

struct Finding {
  std::string path;
  std::string release, package;
  std::string kind;  // 'num_specs', 'num_specs_by_stack', 'stacks', 'hash_conflict'
  std::string hash;  // the spec concerned, for 'hash_conflict'; empty otherwise
  std::string message;
};

// Compares the page's `meta` (num_specs, num_specs_by_stack, stacks) with its
// spec_details; appends one finding per disagreeing key. A page without meta,
// or a key meta leaves out, is not a finding.
void check_meta(const Page& page, const std::string& path, std::vector<Finding>& out);

// One finding per hash this page described differently from what was stored.
void note_conflicts(const Page& page, const std::string& path, const std::vector<SpecConflict>& conflicts,
                    std::vector<Finding>& out);

// A second file giving the page (release, package) that `first` gave earlier
// in the walk: the first is the page, this one is not read. Ingest and check
// report it alike, as a warning and, for ingest, in ingest_findings.
Finding duplicate_page(const std::string& path, const std::string& release, const std::string& package,
                       const std::string& first);

// "os, target" for the bits of SpecConflict::differs.
std::string describe_differences(unsigned differs);

}  // namespace cachedb
