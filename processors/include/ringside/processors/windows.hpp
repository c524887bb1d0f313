// What the windowed jobs (aggregates, ofi) share: each key's open tumbling
// windows kept in start order, and the recent input gaps, which flag every
// window they touch — open ones at once, later ones as they open.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <vector>

#include "ringside/core/wide_int.hpp"
#include "ringside/processors/job.hpp"  // Gap

namespace ringside::processors {

// Event times beyond +-2^62 ns (the year 2116) cannot be windowed without the
// arithmetic (start + size + lateness) overflowing; such events are counted, not
// used. Window sizes and the lateness are bounded by 2^60 ns (36 years) for the same reason.
inline constexpr std::int64_t kTimeLimit = std::int64_t{1} << 62;
inline constexpr std::int64_t kSpanLimit = std::int64_t{1} << 60;

// A wide sum clamped into 64 bits (a window's volume or value can exceed them).
constexpr std::int64_t saturate(detail::Int128 v) noexcept {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  return v > kMax ? kMax : v < kMin ? kMin : static_cast<std::int64_t>(v);
}

// A gap's frames had event times in [after, before]; a window holds [start, end).
constexpr bool touches(const Gap& g, std::int64_t start, std::int64_t end) noexcept {
  return g.after_ns < end && g.before_ns >= start;
}

class RecentGaps {
 public:
  void add(const Gap& g) { gaps_.push_back(g); }
  bool touch(std::int64_t start, std::int64_t end) const noexcept {
    return std::any_of(gaps_.begin(), gaps_.end(), [&](const Gap& g) { return touches(g, start, end); });
  }
  // A gap that ended before `horizon` cannot touch a window still to be opened.
  template <typename Time>
  void forget_before(Time horizon) {
    std::erase_if(gaps_, [&](const Gap& g) { return g.before_ns < horizon; });
  }
  void clear() noexcept { gaps_.clear(); }

 private:
  std::vector<Gap> gaps_;
};

// The window [start, end) of `windows` (in start order; W has start, end and
// gap), opened if missing. Events arrive nearly always in time order, so the
// search starts from the newest.
template <typename W>
W& open_window(std::vector<W>& windows, std::int64_t start, std::int64_t end, const RecentGaps& gaps) {
  auto it = windows.end();
  while (it != windows.begin() && std::prev(it)->start > start) --it;
  if (it != windows.begin() && std::prev(it)->start == start) return *std::prev(it);
  W w;
  w.start = start;
  w.end = end;
  w.gap = gaps.touch(start, end);
  return *windows.insert(it, w);
}

// Flags the open windows of every series (S has `windows`) that `gap` touches.
template <typename S>
void flag_open_windows(std::vector<S>& series, const Gap& gap) {
  for (S& s : series) {
    for (auto& w : s.windows) {
      if (touches(gap, w.start, w.end)) w.gap = true;
    }
  }
}

}  // namespace ringside::processors
