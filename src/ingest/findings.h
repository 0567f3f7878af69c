#pragma once
// The findings the ingest makes (see formats/finding.h): hashes pages
// describe differently, and a page given by two files.
#include <string>
#include <vector>

#include "formats/cache_page/page.h"
#include "formats/finding.h"
#include "ingest/spec_conflict.h"

namespace cachedb {

// One finding per hash this page described differently from what was stored.
void note_conflicts(const Page& page, const std::string& path, const std::vector<SpecConflict>& conflicts,
                    std::vector<Finding>& out);

// One finding per hash a cache page described otherwise, which the index at
// `path` (of `release`) describes now: as a page read after the index has one.
void note_index_conflicts(const std::string& path, const std::string& release,
                          const std::vector<IndexConflict>& conflicts, std::vector<Finding>& out);

// The page at `path` names another compiler for spec `hash` than the one its
// index's build dependency now names (`compiler`), that node having come (or
// changed) since both (ingest/dependency_compilers.h): as a page read after
// it would say.
Finding settled_compiler_conflict(const std::string& path, const std::string& release, const std::string& package,
                                  const std::string& hash, const std::string& compiler);

// A second file giving the page (release, package) that `first` gave earlier
// in the walk: the first is the page, this one is not read. Ingest and check
// report it alike, as a warning and, for ingest, in ingest_findings.
Finding duplicate_page(const std::string& path, const std::string& release, const std::string& package,
                       const std::string& first);

// "os, target" for the bits of SpecConflict::differs.
std::string describe_differences(unsigned differs);

}  // namespace cachedb
