#pragma once
// A build-cache index that cannot be read: the exception names the file, the
// byte offset in the (decompressed) JSON text and the JSON path of the value at
// fault, so an operator can find the place with `jq` or `head -c`.
#include <cstdint>
#include <string>

#include "error.h"

namespace cachedb::spack_index {

class IndexParseError : public ParseError {
 public:
  // `path` is a JSONPath such as `$.database.installs.abc.spec.arch`; `file`
  // may be empty (the caller names the input).
  IndexParseError(std::uint64_t offset, std::string path, std::string reason, const std::string& file = {});
  std::uint64_t offset() const { return offset_; }
  const std::string& path() const { return path_; }
  const std::string& reason() const { return reason_; }

 private:
  std::uint64_t offset_;
  std::string path_;
  std::string reason_;
};

}  // namespace cachedb::spack_index
