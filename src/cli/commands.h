#pragma once
// Each subcommand registers its options on the CLI11 app and returns a runner
// that main() calls after parsing. Adding a command means adding one file.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "error.h"

namespace cachedb::cli {

// Exit codes shared by every command (documented in --help and the README).
constexpr int kExitOk = 0;
constexpr int kExitFatal = 1;     // nothing was changed
constexpr int kExitRejected = 2;  // ingest: some pages rejected, the rest committed
constexpr int kExitUsage = 64;    // the command line is wrong

// A line for the person at the terminal, on stderr beside the log. A write
// that fails (stderr closed, a full disk under 2>file) is not the run's
// failure: fmt::print would throw, and a committed ingest would exit 1.
template <typename... Args>
void tell(fmt::format_string<Args...> format, Args&&... args) {
  const std::string text = fmt::format(format, std::forward<Args>(args)...);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

// What a command prints as its result, written to stdout. A write that fails
// (stdout closed, a full disk under >file) fails the command: said on stderr,
// where it can still be read, and exit 1; not a silent exit 1.
inline bool write_stdout(std::string_view text, std::string_view what = "the result", std::string_view then = "") {
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (std::fflush(stdout) == 0 && !std::ferror(stdout)) return true;
  const int e = errno;
  tell("error: could not write {} to stdout: {}{}\n", what, std::strerror(e), then);
  return false;
}

// Options every command sees (before or after the command's name).
struct GlobalOptions {
  std::string db;             // --db; empty means $CACHEDB_DB or ./cachedb.sqlite
  bool color_stdout = false;  // --color, $NO_COLOR, $TERM and whether stdout is a terminal, decided
};

// A command line that parses but asks for something that does not exist (an
// unknown format, dimension or matrix, a --filter without a value): exit 64,
// like a parse error, and the error on stderr.
class UsageError : public Error {
 public:
  using Error::Error;
};

// A whole number from `min` to `max`, refused in plain words ("0 is too small:
// give a whole number, 1 or more") rather than CLI11's ranges of doubles.
// A `max` of INT_MAX or more is the type's limit, not worth mentioning
// until it is passed.
inline CLI::Validator whole_number(long long min, long long max = std::numeric_limits<int>::max()) {
  const bool open = max >= std::numeric_limits<int>::max();
  const std::string range = open ? fmt::format("a whole number, {} or more", min)
                                 : fmt::format("a whole number from {} to {}", min, max);
  auto check = [min, max, range](std::string& text) -> std::string {
    long long v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size())
      return fmt::format("'{}' is not a whole number: give {}", text, range);
    if (ec == std::errc::result_out_of_range || v > max)
      return fmt::format("{} is too large: give {} (at most {})", text, range, max);
    if (v < min) return fmt::format("{} is too small: give {}", text, range);
    return {};
  };
  return CLI::Validator(check, open ? fmt::format("INT >= {}", min) : fmt::format("INT in [{} - {}]", min, max));
}

// --format NAME, one of `formats`, and the shorthands sqlite-utils users type:
// --csv, --tsv, --json (and --nl for ndjson when it is offered). Two of them
// at once is a usage error.
inline void add_format_options(CLI::App* cmd, std::string& format, const std::vector<std::string>& formats) {
  std::vector<CLI::Option*> given;
  given.push_back(cmd->add_option("--format", format, "How to print the result")
                      ->check(CLI::IsMember(formats))
                      ->capture_default_str());
  auto shorthand = [&](const char* flag, const char* name) {
    if (std::find(formats.begin(), formats.end(), name) == formats.end()) return;
    given.push_back(
        cmd->add_flag_callback(flag, [&format, name] { format = name; }, fmt::format("Same as --format {}", name)));
  };
  shorthand("--csv", "csv");
  shorthand("--tsv", "tsv");
  shorthand("--json", "json");
  shorthand("--nl", "ndjson");
  for (auto* a : given)
    for (auto* b : given)
      if (a != b) a->excludes(b);
}

using Runner = std::function<int()>;

// --threads N, for the commands that walk trees (ingest, check): left unset
// (0), one thread per CPU the process may use. A cron job sharing its host
// can ask for fewer.
inline void add_threads_option(CLI::App* cmd, unsigned& threads,
                               const char* what = "Threads that walk, read and parse pages") {
  cmd->add_option("--threads", threads, std::string(what) + " (default: one per CPU the process may use)")
      ->check(whole_number(1, 1024));
}

// Each returns the runner for its subcommand (run only when it was chosen).
Runner add_ingest_command(CLI::App& app, const GlobalOptions& global);
Runner add_check_command(CLI::App& app, const GlobalOptions& global);
Runner add_report_command(CLI::App& app, const GlobalOptions& global);
Runner add_runs_command(CLI::App& app, const GlobalOptions& global);
Runner add_sql_command(CLI::App& app, const GlobalOptions& global);
Runner add_schema_command(CLI::App& app, const GlobalOptions& global);
Runner add_export_command(CLI::App& app, const GlobalOptions& global);
Runner add_list_command(CLI::App& app, const GlobalOptions& global);
Runner add_values_command(CLI::App& app, const GlobalOptions& global);

}  // namespace cachedb::cli
