#pragma once
// Small JSON files beside an index (manifests, layout.json, the site listing),
// read whole: each is a few KB, so a size cap replaces the streaming reader.
#include <cstddef>
#include <filesystem>

#include <rapidjson/document.h>

namespace cachedb::spack_index {

// Throws Error naming the file when it is missing, larger than `max_bytes`, or
// not JSON (with the byte offset).
rapidjson::Document read_small_json(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace cachedb::spack_index
