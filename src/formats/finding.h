#pragma once
// Data-quality findings: what a file says that does not add up. What it holds
// is stored all the same (the specs are what counts); the finding is logged and
// recorded in ingest_findings so an analyst can see where the sources disagree
// with themselves. A format finds some while it parses (a page's meta against
// its specs); the ingest finds others (hashes described differently).
#include <string>

namespace cachedb {

struct Finding {
  std::string path;
  std::string release, package;
  std::string kind;  // 'num_specs', 'num_specs_by_stack', 'stacks', 'hash_conflict', 'duplicate_page'
  std::string hash;  // the spec concerned, for 'hash_conflict'; empty otherwise
  std::string message;
};

}  // namespace cachedb
