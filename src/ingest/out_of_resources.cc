#include "ingest/out_of_resources.h"

#include <cerrno>

#include <fmt/format.h>

namespace cachedb {

bool is_out_of_resources(int error) { return error == EMFILE || error == ENFILE || error == ENOMEM; }

OutOfResources::OutOfResources(const std::string& path, const std::string& why)
    : Error(fmt::format("{}: {} (out of file descriptors or memory: the walk stopped rather than leave the rest "
                        "of the tree out)",
                        path, why)) {}

}  // namespace cachedb
