#include "ingest/progress.h"

#include <string>

#include <unistd.h>

#include <fmt/format.h>

namespace cachedb {

ProgressBar::ProgressBar(bool enabled, std::FILE* out) : enabled_(enabled), out_(out) {}

ProgressBar::~ProgressBar() { clear(); }

bool ProgressBar::stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

void ProgressBar::update(std::size_t done, std::size_t total) {
  if (!enabled_) return;
  const auto now = Clock::now();
  if (done < total && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  constexpr std::size_t kWidth = 30;
  const std::size_t filled = total ? done * kWidth / total : kWidth;
  std::string bar(filled, '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, ' ');
  std::string eta;
  if (rate > 0 && done < total) eta = fmt::format("  ~{:.0f}s left", static_cast<double>(total - done) / rate);
  // \r and "erase to end of line" redraw in place.
  fmt::print(out_, "\r\033[K[{}] {}/{} pages  {:.0f} pages/s{}", bar, done, total, rate, eta);
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (!drawn_) return;
  fmt::print(out_, "\r\033[K");
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace cachedb
