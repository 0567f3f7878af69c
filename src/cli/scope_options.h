#pragma once
// The options that choose what part of the database a command reads (--release,
// --filter), the same for report, values and list, and the notes a table's
// reader gets on stderr.
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "report/scope.h"

namespace cachedb::cli {

struct ScopeArgs {
  std::vector<std::string> releases, filters;
  // The scope they name. A mistake in them (an unknown dimension, a --filter
  // without DIM=VALUE) is the command line's: UsageError, after `prefix`.
  Scope scope(std::string_view prefix) const;
};

// --release R, repeatable: any of them.
void add_release_option(CLI::App* cmd, std::vector<std::string>& releases);

// --release R and --filter DIM=VALUE, both repeatable.
void add_scope_options(CLI::App* cmd, ScopeArgs& args);

// "note: TEXT" on stderr, for the formats with nowhere else to say it; stdout
// stays the result alone, and -q silences it.
void print_note(std::string_view text);

}  // namespace cachedb::cli
