// ringside-bench c2c: the machine's core-to-core floor.
//
// Two threads pinned to CPUs A and B bounce a cache line back and forth; half a
// round trip is what it costs to move one modified line from one core's cache to
// the other's, the least any cross-core handoff (a ring's cursor, a queue's index)
// can cost. ring-oneway reports its latencies as multiples of this floor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "histogram.hpp"
#include "json_line.hpp"
#include "tsc_clock.hpp"

namespace ringside::bench {

struct C2cResult {
  int cpu_a = 0;
  int cpu_b = 1;
  std::int64_t iterations = 0;
  Percentiles two_lines;   // one-way ns (RTT/2): A writes ping, B writes pong
  Percentiles one_line;    // one-way ns (RTT/2): one line, ownership alternating
  double a_to_b_ns = 0;    // median of B's TSC at arrival minus A's TSC at send
  double b_to_a_ns = 0;
  double skew_ns = 0;      // estimated TSC offset of B relative to A: (a_to_b - b_to_a) / 2
  std::string error;       // set when the measurement did not run
  double floor_ns() const noexcept { return two_lines.p50; }
};

// Runs the ping-pong on two threads of this process; returns when they are joined.
C2cResult measure_c2c(const TscClock& clock, int cpu_a, int cpu_b, std::int64_t iterations);
void print_c2c(const C2cResult& r);
// Adds cpu_a, cpu_b, floor_ns, the two variants' percentiles and tsc_offset_ns (or error) to `o`.
JsonObject& add_c2c_fields(JsonObject& o, const C2cResult& r);

// How much of each CPU's time is taken away from a pinned, spinning thread
// (interrupts, kernel work, the hypervisor): the thread reads the TSC in a tight
// loop and counts every gap between two reads longer than 1 us. An open-loop
// latency percentile cannot be better than the gap an event falls into: when
// more than 1 % of the time is lost in gaps of tens of us, so is any p99.
struct Jitter {
  int cpu = 0;
  double seconds = 0;
  double lost_percent = 0;          // time in gaps > 1 us
  std::int64_t gaps_over_10us = 0;
  std::int64_t gaps_over_100us = 0;
  std::int64_t gaps_over_1ms = 0;
  double max_gap_us = 0;
};
// Measures all `cpus` at once (one pinned thread each) for `seconds`.
std::vector<Jitter> measure_jitter(const TscClock& clock, const std::vector<int>& cpus, double seconds);
void print_jitter(const std::vector<Jitter>& j);
JsonArray jitter_json(const std::vector<Jitter>& j);

// Whether the host intercepts loops of `pause` (KVM's pause-loop exiting takes such
// a loop for a vCPU spinning on a lock and exits to the hypervisor), which is why
// neither the ring's reader nor the benchmarks' measured loops pause. A thread pinned to
// `cpu` runs `runs` times: 50 us of spinning without pause, then pause + rdtsc until
// the first gap over 1 us (at most 100,000 pauses). Interrupts land at random
// points; an intercept comes after a fixed number of pauses, the hypervisor's
// counter (on the dev VM's KVM/AMD host: 3,000, doubling at each exit up to 65,536),
// so several runs end at exactly the same count, which chance does not explain.
struct PauseProbe {
  int cpu = 0;
  bool pinned = false;
  int runs = 0;
  double pause_ns = 0;                 // one pause, median over the runs
  std::int64_t first_gap_after = 0;    // the pause count most runs' first gap came after (0: none)
  int runs_at_that_count = 0;          // runs whose first gap came after it (within 2 pauses)
  double median_gap_us = 0;            // of those runs' first gaps: what an intercept costs
  bool intercepted() const noexcept { return first_gap_after != 0 && runs_at_that_count >= 3; }
};
PauseProbe probe_pause_loop(const TscClock& clock, int cpu, int runs = 40);

int run_c2c(int argc, char** argv);

}  // namespace ringside::bench
