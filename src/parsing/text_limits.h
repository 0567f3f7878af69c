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
// The most items one of a page spec's lists (versions, variants, stacks) may
// hold: a spec has a handful of each (a release has a few dozen stacks), and
// the writer holds one spec's lists whole.
constexpr std::size_t kListItems = 65'536;

}  // namespace cachedb::limits

namespace cachedb {

// Why `text` cannot be stored, or nothing when it can: too long, holds a NUL,
// or is not valid UTF-8.
std::optional<std::string> text_problem(std::string_view text, std::size_t max_bytes);

}  // namespace cachedb
