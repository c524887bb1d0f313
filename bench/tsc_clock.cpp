#include "tsc_clock.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <vector>

namespace ringside::bench {
namespace {

std::int64_t monotonic_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

struct Pair {
  std::uint64_t tsc;
  std::int64_t mono;
};

// The clock_gettime call bracketed by the two closest TSC readings of 16 tries;
// its TSC is the bracket's midpoint.
Pair tight_pair() noexcept {
  Pair best{};
  std::uint64_t best_width = ~std::uint64_t{0};
  for (int i = 0; i < 16; ++i) {
    const std::uint64_t a = tsc_begin();
    const std::int64_t mono = monotonic_ns();
    const std::uint64_t b = tsc_end();
    if (b - a < best_width) {
      best_width = b - a;
      best = {a + (b - a) / 2, mono};
    }
  }
  return best;
}

template <class T>
T median(std::vector<T>& v) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

}  // namespace

TscClock TscClock::calibrate(std::chrono::milliseconds span) {
  const Pair first = tight_pair();
  const std::int64_t until = first.mono + std::chrono::duration_cast<std::chrono::nanoseconds>(span).count();
  while (monotonic_ns() < until) {
  }
  const Pair last = tight_pair();
  TscClock c;
  c.ticks_per_ns = static_cast<double>(last.tsc - first.tsc) / static_cast<double>(last.mono - first.mono);
  c.ns_per_tick = 1.0 / c.ticks_per_ns;
  c.tsc0 = last.tsc;
  c.mono0 = last.mono;
  c.calibration_ms = static_cast<double>(last.mono - first.mono) / 1e6;
  return c;
}

ClockOverheads measure_clock_overheads(const TscClock& clock) {
  constexpr int kSamples = 20'001;
  ClockOverheads o;
  std::vector<std::uint64_t> ticks(kSamples);
  for (auto& t : ticks) {
    const std::uint64_t a = rdtsc();
    const std::uint64_t b = rdtsc();
    t = b - a;
  }
  std::uint64_t step = ~std::uint64_t{0};
  for (const std::uint64_t t : ticks) {
    if (t != 0 && t < step) step = t;
  }
  o.resolution_ns = clock.ticks_to_ns(static_cast<double>(step));
  o.rdtsc_ns = clock.ticks_to_ns(static_cast<double>(median(ticks)));
  for (auto& t : ticks) {
    const std::uint64_t a = tsc_begin();
    const std::uint64_t b = tsc_end();
    t = b - a;
  }
  o.fenced_ticks = median(ticks);
  o.fenced_ns = clock.ticks_to_ns(static_cast<double>(o.fenced_ticks));
  for (auto& t : ticks) {
    const std::uint64_t a = tsc_begin();
    (void)monotonic_ns();
    const std::uint64_t b = tsc_end();
    t = b - a;
  }
  o.clock_gettime_ns = clock.ticks_to_ns(static_cast<double>(median(ticks))) - o.fenced_ns;
  return o;
}

std::string describe(const TscClock& clock, const ClockOverheads& o) {
  return fmt::format(
      "clock: TSC (rdtsc) at {:.3f} MHz, calibrated against CLOCK_MONOTONIC over {:.0f} ms; "
      "resolution {:.1f} ns (its smallest step); rdtsc costs {:.1f} ns, a fenced rdtsc pair {:.1f} ns; "
      "clock_gettime(CLOCK_MONOTONIC) would cost {:.1f} ns (not used on measured paths)",
      clock.ticks_per_ns * 1e3, clock.calibration_ms, o.resolution_ns, o.rdtsc_ns, o.fenced_ns, o.clock_gettime_ns);
}

}  // namespace ringside::bench
