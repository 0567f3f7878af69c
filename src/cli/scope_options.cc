#include "cli/scope_options.h"

#include <cstdio>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"

namespace cachedb::cli {

Scope ScopeArgs::scope(std::string_view prefix) const {
  Scope scope;
  try {
    for (const auto& r : releases) scope.add("release", r);
    for (const auto& f : filters) scope.add_filter(f);
  } catch (const Error& e) {
    throw UsageError(fmt::format("{}{}", prefix, e.what()));
  }
  return scope;
}

void add_release_option(CLI::App* cmd, std::vector<std::string>& releases) {
  cmd->add_option("--release", releases, "Only this release (repeatable: any of them; default all)")
      ->allow_extra_args(false);
}

void add_scope_options(CLI::App* cmd, ScopeArgs& args) {
  add_release_option(cmd, args.releases);
  cmd->add_option("--filter", args.filters,
                  "DIM=VALUE, e.g. os=rhel8 or target=aarch64: (repeatable: same DIM means any of the values, "
                  "different DIMs must all hold)")
      ->allow_extra_args(false);
}

void print_note(std::string_view text) {
  if (spdlog::should_log(spdlog::level::warn)) tell("note: {}\n", text);
}

}  // namespace cachedb::cli
