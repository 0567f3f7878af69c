#pragma once
// The options naming build-cache indexes, shared by `cachedb ingest` and
// `cachedb check`: one index (--index FILE|- --release R --stack S), a mirror
// directory (--mirror DIR --release R --stack S) or the site's listing
// (--listing FILE --mirror-root DIR).
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ingest/index_ingest.h"

namespace cachedb::cli {

struct IndexOptions {
  std::string index, mirror, listing, mirror_root, release, stack;
  // Whether the command line names indexes at all.
  bool given() const { return !index.empty() || !mirror.empty() || !listing.empty(); }
};

void add_index_options(CLI::App* cmd, IndexOptions& o);

// The inputs named, in order; UsageError when the options do not go together
// (and `paths`, the pages named, must then be empty). Error when the listing
// cannot be read.
std::vector<IndexInput> index_inputs(const IndexOptions& o, const std::vector<std::string>& paths);

}  // namespace cachedb::cli
