#pragma once
// The site's listing of every (release, stack) index, cache_spack_io_index.json:
//   {"<release>": [{"label": "<stack or root>", "url": "s3://spack-binaries/<...>"}]}
// resolved against a local copy of the bucket (`mirror_root` standing for
// s3://spack-binaries/, which the site serves as https://binaries.spack.io/).
#include <filesystem>
#include <string>
#include <vector>

namespace cachedb::spack_index {

struct ListedIndex {
  std::string release;
  std::string stack;  // the listing's label; "root" is the release's top-level mirror
  std::string url;
  std::filesystem::path path;  // set when the file is there
  std::string error;           // set otherwise: why it cannot be read
};

// Every entry in the listing's order. Throws Error only when the listing itself
// cannot be read; an entry that cannot be resolved carries its error.
std::vector<ListedIndex> resolve_listing(const std::filesystem::path& listing,
                                         const std::filesystem::path& mirror_root);

}  // namespace cachedb::spack_index
