#pragma once
// Running out of file descriptors or memory while walking the tree is the
// machine's failure, not the tree's. A path that cannot be opened for that
// reason was never looked at, nor would the next one be: passing it over, as
// a path that cannot be read is passed over, would let a nightly run report
// success on part of the tree. The walk stops instead, and the run fails with
// nothing changed.
#include <string>

#include "error.h"

namespace cachedb {

// EMFILE or ENFILE (no file descriptor left, for the process or the system)
// or ENOMEM.
bool is_out_of_resources(int error);

// The walk could not go on at `path`: `why` says what failed ("cannot open:
// Too many open files").
class OutOfResources : public Error {
 public:
  OutOfResources(const std::string& path, const std::string& why);
};

}  // namespace cachedb
