#pragma once
// What text from a page may be stored: how long each kind may be, and that it
// is valid UTF-8 without NUL characters. Pages come from elsewhere; these limits
// keep a hostile or broken page from putting megabytes where a name belongs, or
// bytes that are not text into TEXT columns. Each limit is far above anything a
// real page holds (Spack hashes are 32 characters, names a few dozen).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "util/utf8.h"

namespace cachedb::limits {

constexpr std::size_t kHash = 128;             // a spec's DAG hash
constexpr std::size_t kName = 256;             // package, release, os, platform, target, compiler, stack, version
constexpr std::size_t kVariant = 16 * 1024;    // 'patches=<sha256>,...' can be long
constexpr std::size_t kTarball = 4 * 1024;     // a path or URL

}  // namespace cachedb::limits

namespace cachedb {

// Why `text` cannot be stored, or nothing when it can: too long, holds a NUL,
// or is not valid UTF-8.
std::optional<std::string> text_problem(std::string_view text, std::size_t max_bytes);

}  // namespace cachedb
