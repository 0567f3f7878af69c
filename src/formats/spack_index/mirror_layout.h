#pragma once
// Where a mirror directory keeps its index, for both layouts Spack writes:
//   v3 (Spack 1.0+): v3/layout.json, v3/manifests/index/index.manifest.json
//       naming the blob blobs/sha256/<2 hex>/<sha256>;
//   v2 (up to 0.23): build_cache/index.json, build_cache/index.json.hash.
// Pure functions over the file system: nothing here touches a database.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "formats/spack_index/sha256.h"

namespace cachedb::spack_index {

struct MirrorIndex {
  std::filesystem::path path;  // the index file
  int layout = 0;              // 2 or 3
  int database_version = 0;    // from the v3 media type; 0 for v2 (the file says)
  // The sha256 its manifest or index.json.hash gives (none: a v2 mirror
  // without index.json.hash), checked unless resolved with Verify::later.
  ExpectedDigest expected;
};

// Whether the index file's sha256 is checked as it is resolved, or left to
// whoever reads it (verify_sha256): an ingest checks only the files it reads,
// not those it finds unchanged since they were checked and stored.
enum class Verify { now, later };

// The index of the mirror at `mirror`: v3 when it has a v3 index manifest,
// else v2 when it has build_cache/index.json (v3 by a lone layout.json, to
// name the manifest missing). Throws Error
// naming the file at fault: no index, a manifest that cannot be read or lists
// no database cachedb reads, a blob whose length differs from the manifest's
// or a missing one; with Verify::now, a blob whose sha256 differs from the
// manifest's, an index.json that differs from index.json.hash.
MirrorIndex resolve_mirror_index(const std::filesystem::path& mirror, Verify verify = Verify::now);

// The sha256 an index.json.hash file gives, as Spack reads it: its first 64
// bytes when they are hex digits (either case); none otherwise, or when the
// file cannot be read.
std::optional<std::string> index_json_hash(const std::filesystem::path& hash_file);

// `expected` with its sha256 read from its file when it is `in_file` (when
// that file holds none, a warning naming it, and nothing to check, as Spack
// reads such an index unchecked); else as it is.
ExpectedDigest read_expected(ExpectedDigest expected);

// The database version of a media type `application/vnd.spack.db.v<N>+json`, or 0.
int database_media_version(const std::string& media_type);

}  // namespace cachedb::spack_index
