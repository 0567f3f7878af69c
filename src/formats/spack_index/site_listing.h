#pragma once
// The site's listing of every (release, stack) index, cache_spack_io_index.json:
//   {"<release>": [{"label": "<stack or root>", "url": "s3://spack-binaries/<...>"}]}
// resolved against a local copy of the bucket (`mirror_root` standing for
// s3://spack-binaries/, which the site serves as https://binaries.spack.io/).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/spack_index/sha256.h"

namespace cachedb::spack_index {

struct ListedIndex {
  std::string release;
  std::string stack;  // the listing's label; "root" is the release's top-level mirror
  std::string url;
  std::filesystem::path path;  // set when the file is there
  // The file's size and modification time (ns) when it was found, so that
  // an ingest need not look at it again to tell it is unchanged.
  std::int64_t size = -1, mtime_ns = -1;
  // What its sha256 should be: a blob is named by it (blobs/sha256/<2
  // hex>/<sha256>), a v2 index.json has its index.json.hash beside it.
  ExpectedDigest expected;
  std::string error;           // set otherwise: why it cannot be read
};

// Whether a listed file is checked against its sha256 as the listing is
// resolved (reading every one once more), or only by whoever reads it
// (verify_sha256): an ingest checks the files it reads, not those it finds
// unchanged since they were checked and stored.
enum class BlobCheck { exists, checksum };

// Every entry in the listing's order. Throws Error only when the listing itself
// cannot be read or names no index, or when `mirror_root` is not a directory;
// an entry that cannot be resolved (or whose file differs from its sha256, with
// BlobCheck::checksum) carries its error.
// Why `name` cannot be a release or stack name (empty, too long, a NUL, not
// UTF-8), or nothing when it can.
std::optional<std::string> label_problem(std::string_view name);

std::vector<ListedIndex> resolve_listing(const std::filesystem::path& listing,
                                         const std::filesystem::path& mirror_root,
                                         BlobCheck check = BlobCheck::checksum);

}  // namespace cachedb::spack_index
