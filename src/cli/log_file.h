#pragma once
// --log-file: the log also goes to a file, in addition to stderr.
#include <string>

namespace cachedb::cli {

// Appends every line of info level and above, with a timestamp and the pid, to
// `path`, whatever -q/-v say for stderr (a log file is read after the fact, so
// it keeps the summary and findings). Throws Error when it cannot be opened.
void add_log_file(const std::string& path);

}  // namespace cachedb::cli
