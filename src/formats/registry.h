#pragma once
// Every format cachedb reads, by kind: the walk reads the files one of them
// takes, and each file is parsed by the format that takes it.
#include <span>
#include <string_view>

#include "formats/format.h"

namespace cachedb {

// The formats, in the order they are asked whether they take a file.
std::span<const Format* const> formats();

// Whether some format takes a file of this name (a FileNameFilter for the walk).
bool some_format_takes(std::string_view file_name);

// The format for the file at `path`: the first that takes its name, or, for a
// file named on the command line that none takes, the cache page (any file so
// named is read, and one that is not a page is skipped as such).
const Format& format_for(std::string_view path);

}  // namespace cachedb
