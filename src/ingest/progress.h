#pragma once
// A one-line progress bar with pages/s, for an operator watching a terminal.
// It draws only when stderr is a terminal: under cron or systemd the output
// stays free of carriage-return noise, and the mail is the summary alone.
#include <chrono>
#include <cstddef>
#include <cstdio>

namespace cachedb {

class ProgressBar {
 public:
  // Draws on `out` when `enabled` (callers pass isatty(stderr) && !quiet).
  explicit ProgressBar(bool enabled, std::FILE* out = stderr);
  ~ProgressBar();  // clears the line
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Called once per page; redraws at most ten times a second, so the cost on
  // the ingest loop is one clock read per page.
  void update(std::size_t done, std::size_t total);

  // Erases the bar (before the summary or a log line is printed).
  void clear();

  // True when stderr is a terminal.
  static bool stderr_is_terminal();

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  std::FILE* out_;
  bool drawn_ = false;
  Clock::time_point start_ = Clock::now(), last_draw_{};
};

}  // namespace cachedb
