#include "report/nearest.h"

#include <algorithm>
#include <numeric>
#include <tuple>
#include <utility>

#include "report/version_order.h"

namespace cachedb {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // One row of the table at a time.
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::string> nearest(std::string_view value, const std::vector<std::string>& candidates,
                                 std::size_t most) {
  std::vector<std::pair<std::size_t, const std::string*>> scored;
  for (const auto& c : candidates) {
    if (c == value) continue;
    const std::size_t allowed = std::max<std::size_t>(2, std::max(value.size(), c.size()) / 3);
    const std::size_t d = edit_distance(value, c);
    if (d <= allowed) scored.emplace_back(d, &c);
  }
  std::sort(scored.begin(), scored.end(),
            [](const auto& x, const auto& y) { return std::tie(x.first, *x.second) < std::tie(y.first, *y.second); });
  scored.erase(std::unique(scored.begin(), scored.end(),
                           [](const auto& x, const auto& y) { return *x.second == *y.second; }),
               scored.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && i < most; ++i) out.push_back(*scored[i].second);
  // Then the values `value` begins, up to a separator: 'develop' where only
  // dated snapshots (develop-2025-03-23) are stored, 'gcc' for gcc@13.2.0.
  // Newest first, as Spack orders versions (gcc@13.2.0 before gcc@9.4.0).
  if (out.size() < most && !value.empty()) {
    std::vector<const std::string*> longer;
    for (const auto& c : candidates)
      if (c.size() > value.size() && c.starts_with(value) &&
          std::string_view("-@._/").find(c[value.size()]) != std::string_view::npos)
        longer.push_back(&c);
    std::sort(longer.begin(), longer.end(),
              [](const std::string* x, const std::string* y) { return version_label_less(*y, *x); });
    for (const auto* c : longer) {
      if (out.size() == most) break;
      if (std::find(out.begin(), out.end(), *c) == out.end()) out.push_back(*c);
    }
  }
  return out;
}

}  // namespace cachedb
