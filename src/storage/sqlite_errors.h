#pragma once
// Turns a SQLite failure into a message an operator can act on: what kind of
// fault it is (read-only, full disk, locked, not a database), SQLite's own
// words, and the operating system's reason when there is one.
#include <string>

#include <sqlite3.h>
#include <SQLiteCpp/Exception.h>

namespace cachedb {

// `handle` may be null (when opening failed); then no OS reason is added.
std::string describe_sqlite_error(const SQLite::Exception& e, sqlite3* handle);

}  // namespace cachedb
