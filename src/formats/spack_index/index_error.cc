#include "formats/spack_index/index_error.h"

#include <fmt/format.h>

namespace cachedb::spack_index {

IndexParseError::IndexParseError(std::uint64_t offset, std::string path, std::string reason, const std::string& file)
    : ParseError(0, fmt::format("{}{}byte {}, {}: {}", file, file.empty() ? "" : ": ", offset,
                                path.empty() ? "$" : path, reason)),
      offset_(offset),
      path_(std::move(path)),
      reason_(std::move(reason)) {}

}  // namespace cachedb::spack_index
