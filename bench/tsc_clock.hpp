// The benchmarks' clock: the CPU's time-stamp counter (rdtsc), calibrated once
// against CLOCK_MONOTONIC at start. The TSC is invariant on the machines we run
// on (constant_tsc and nonstop_tsc in /proc/cpuinfo: it ticks at a fixed rate in
// every P- and C-state) and the kernel uses it as its own clocksource, so one
// calibration holds for every core and every process forked afterwards.
//
// Reading it costs one instruction (~10 ns on a KVM guest, unfenced), against
// ~35 ns for clock_gettime through the vDSO on the development VM; both are
// measured at start by measure_clock_overheads() and printed by describe().
//
// Two ways to read it:
//   rdtsc()                       unfenced: for timestamps whose order with the
//                                 surrounding code does not matter (latency stamps,
//                                 schedules, round trips of hundreds of ns)
//   tsc_begin() ... tsc_end()     fenced: around a short region (tens of ns) so
//                                 the region's instructions cannot move out of it
#pragma once

#include <x86intrin.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace ringside::bench {

inline std::uint64_t rdtsc() noexcept { return __rdtsc(); }

// lfence before: everything earlier has completed; lfence after: nothing later has started.
inline std::uint64_t tsc_begin() noexcept {
  _mm_lfence();
  const std::uint64_t t = __rdtsc();
  _mm_lfence();
  return t;
}

// rdtscp waits for every earlier instruction to complete (stores may still sit in
// the store buffer: their cache misses are not charged unless the buffer fills).
inline std::uint64_t tsc_end() noexcept {
  unsigned aux = 0;
  const std::uint64_t t = __rdtscp(&aux);
  _mm_lfence();
  return t;
}

struct TscClock {
  double ticks_per_ns = 1.0;
  double ns_per_tick = 1.0;
  std::uint64_t tsc0 = 0;   // a TSC reading ...
  std::int64_t mono0 = 0;   // ... and the CLOCK_MONOTONIC ns it corresponds to
  double calibration_ms = 0;

  // Spins `span` between two (TSC, CLOCK_MONOTONIC) pairs, each the tightest of
  // several tries, and takes the ratio.
  static TscClock calibrate(std::chrono::milliseconds span = std::chrono::milliseconds(200));

  // TSC ticks as CLOCK_MONOTONIC nanoseconds.
  std::int64_t to_ns(std::uint64_t tsc) const noexcept {
    const auto ticks = static_cast<std::int64_t>(tsc - tsc0);
    return mono0 + static_cast<std::int64_t>(static_cast<double>(ticks) * ns_per_tick);
  }
  std::int64_t now_ns() const noexcept { return to_ns(rdtsc()); }
  double ticks_to_ns(double ticks) const noexcept { return ticks * ns_per_tick; }
  std::uint64_t ns_to_ticks(double ns) const noexcept { return static_cast<std::uint64_t>(ns * ticks_per_ns); }
};

struct ClockOverheads {
  double rdtsc_ns = 0;           // back-to-back unfenced rdtsc, median
  double resolution_ns = 0;      // smallest non-zero step between two reads (the TSC may advance in steps)
  double fenced_ns = 0;          // tsc_begin() immediately followed by tsc_end(), median: subtracted from fenced regions
  std::uint64_t fenced_ticks = 0;
  double clock_gettime_ns = 0;   // clock_gettime(CLOCK_MONOTONIC), median
};
ClockOverheads measure_clock_overheads(const TscClock& clock);

// "clock: TSC (rdtsc) at 2250.012 MHz, calibrated against CLOCK_MONOTONIC over 200 ms; ..."
std::string describe(const TscClock& clock, const ClockOverheads& overheads);

// Spins until the TSC reaches `until`; returns the TSC that ended the wait. No
// pause instruction: on a KVM guest a pause loop can trigger pause-loop exiting
// (the hypervisor takes the CPU away for microseconds), and the wake-up is as
// sharp as a rdtsc loop allows.
inline std::uint64_t spin_until(std::uint64_t until) noexcept {
  for (;;) {
    const std::uint64_t now = rdtsc();
    if (now >= until) return now;
  }
}

}  // namespace ringside::bench
