// ringside-bench c2c --cpus A,B [--iterations N]
//
// What: the one-way cost of handing a cache line from core A to core B (RTT/2 of
// a ping-pong), the physical floor under every cross-core message.
// How: two threads of this process, pinned to A and B, spin without pause (a
// pause instruction would add its own latency to every detection):
//   - two lines: A stores i into `ping` and spins until `pong` holds i; B spins
//     on `ping` and answers in `pong`. The lines are 128 bytes apart so no
//     adjacent-line prefetch couples them.
//   - one line, alternating ownership: A stores 2i+1 and waits for 2i+2, B the reverse.
// A timestamps every round trip with one unfenced rdtsc (consecutive stamps: no
// second read per trip); the histogram holds RTT and the report halves it.
// Warm-up: the first 10 % of round trips (at most 100k) are not recorded.
// A third, short phase stamps the TSC into the line at send and reads it at
// arrival in both directions; half the difference of the medians estimates the
// TSC offset between the two cores (0 on a synchronised TSC), which bounds the
// error of the cross-process one-way latencies ring-oneway measures.
// Bounded: each phase stops after 5 s whatever the iteration count.
// Then, for context, the jitter of both CPUs (measure_jitter: the share of time
// a pinned spinning thread loses to interrupts and the hypervisor), which the
// round-trip percentiles above hide and open-loop percentiles do not; and whether
// the host intercepts loops of pause on CPU A (probe_pause_loop).
#include "c2c.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "affinity.hpp"

namespace ringside::bench {
namespace {

struct alignas(128) Line {
  std::atomic<std::uint64_t> value{0};
  std::atomic<std::uint64_t> tsc{0};
};

struct PingPong {
  Line ping;
  Line pong;
  std::atomic<int> ready{0};
  std::atomic<bool> stop{false};  // set by A when its time is up; B stops waiting
  std::atomic<int> pin_failed{0};
};

constexpr double kPhaseSeconds = 5.0;

// Runs a(shared) on cpu_a and b(shared) on cpu_b, both after a start barrier.
template <class A, class B>
bool run_pair(PingPong& pp, int cpu_a, int cpu_b, A a, B b) {
  auto start = [&pp](int cpu) {
    if (!pin_to_cpu(cpu)) pp.pin_failed.store(1);
    pp.ready.fetch_add(1);
    while (pp.ready.load() < 2) {
    }
  };
  std::thread tb([&] {
    start(cpu_b);
    if (pp.pin_failed.load() == 0) b();
  });
  std::thread ta([&] {
    start(cpu_a);
    if (pp.pin_failed.load() == 0) a();
  });
  ta.join();
  tb.join();
  return pp.pin_failed.load() == 0;
}

}  // namespace

C2cResult measure_c2c(const TscClock& clock, int cpu_a, int cpu_b, std::int64_t iterations) {
  C2cResult r;
  r.cpu_a = cpu_a;
  r.cpu_b = cpu_b;
  r.iterations = iterations;
  if (cpu_a == cpu_b) {
    r.error = "the two CPUs must differ";
    return r;
  }
  if (const std::string bad = check_cpus({cpu_a, cpu_b}); !bad.empty()) {
    r.error = bad;
    return r;
  }
  const std::uint64_t warm = static_cast<std::uint64_t>(std::min<std::int64_t>(iterations / 10, 100'000));
  const std::uint64_t total = static_cast<std::uint64_t>(iterations) + warm;
  const std::uint64_t phase_ticks = clock.ns_to_ticks(kPhaseSeconds * 1e9);
  const double rtt_to_one_way = 2.0 * clock.ticks_per_ns;

  // Phase 1: two lines.
  {
    auto pp = std::make_unique<PingPong>();
    auto hist = std::make_unique<Histogram>();
    const bool ok = run_pair(
        *pp, cpu_a, cpu_b,
        [&] {
          const std::uint64_t end = rdtsc() + phase_ticks;
          std::uint64_t prev = rdtsc();
          for (std::uint64_t i = 1; i <= total; ++i) {
            // Release/acquire: the message pattern any real handoff uses (plain movs on x86).
            pp->ping.value.store(i, std::memory_order_release);
            while (pp->pong.value.load(std::memory_order_acquire) != i) {
            }
            const std::uint64_t now = rdtsc();
            if (i > warm) hist->record(static_cast<std::int64_t>(now - prev));
            prev = now;
            if (now > end) break;
          }
          pp->stop.store(true, std::memory_order_relaxed);
        },
        [&] {
          for (std::uint64_t i = 1; i <= total; ++i) {
            while (pp->ping.value.load(std::memory_order_acquire) != i) {
              if (pp->stop.load(std::memory_order_relaxed)) return;
            }
            pp->pong.value.store(i, std::memory_order_release);
          }
        });
    if (!ok) {
      r.error = fmt::format("cannot pin to CPU {} or {}: {}", cpu_a, cpu_b, std::strerror(errno));
      return r;
    }
    r.two_lines = percentiles_of(*hist, rtt_to_one_way);
    if (r.two_lines.count == 0) {
      r.error = "no round trip recorded within 5 s (is the machine overloaded?)";
      return r;
    }
  }

  // Phase 2: one line, alternating ownership.
  {
    auto pp = std::make_unique<PingPong>();
    auto hist = std::make_unique<Histogram>();
    run_pair(
        *pp, cpu_a, cpu_b,
        [&] {
          const std::uint64_t end = rdtsc() + phase_ticks;
          std::uint64_t prev = rdtsc();
          for (std::uint64_t i = 0; i < total; ++i) {
            pp->ping.value.store(2 * i + 1, std::memory_order_release);
            while (pp->ping.value.load(std::memory_order_acquire) != 2 * i + 2) {
            }
            const std::uint64_t now = rdtsc();
            if (i >= warm) hist->record(static_cast<std::int64_t>(now - prev));
            prev = now;
            if (now > end) break;
          }
          pp->stop.store(true, std::memory_order_relaxed);
        },
        [&] {
          for (std::uint64_t i = 0; i < total; ++i) {
            while (pp->ping.value.load(std::memory_order_acquire) != 2 * i + 1) {
              if (pp->stop.load(std::memory_order_relaxed)) return;
            }
            pp->ping.value.store(2 * i + 2, std::memory_order_release);
          }
        });
    r.one_line = percentiles_of(*hist, rtt_to_one_way);
  }

  // Phase 3: stamped one-way trips in both directions, for the TSC offset.
  {
    const std::uint64_t stamped = std::min<std::uint64_t>(total, 100'000);
    auto pp = std::make_unique<PingPong>();
    std::vector<std::int64_t> a_to_b;
    std::vector<std::int64_t> b_to_a;
    a_to_b.reserve(stamped);
    b_to_a.reserve(stamped);
    run_pair(
        *pp, cpu_a, cpu_b,
        [&] {
          const std::uint64_t end = rdtsc() + phase_ticks;
          for (std::uint64_t i = 1; i <= stamped; ++i) {
            // Relaxed stamp, release value: the stamp is visible once the value is.
            pp->ping.tsc.store(rdtsc(), std::memory_order_relaxed);
            pp->ping.value.store(i, std::memory_order_release);
            while (pp->pong.value.load(std::memory_order_acquire) != i) {
            }
            const std::uint64_t now = rdtsc();
            b_to_a.push_back(static_cast<std::int64_t>(now - pp->pong.tsc.load(std::memory_order_relaxed)));
            if (now > end) break;
          }
          pp->stop.store(true, std::memory_order_relaxed);
        },
        [&] {
          for (std::uint64_t i = 1; i <= stamped; ++i) {
            while (pp->ping.value.load(std::memory_order_acquire) != i) {
              if (pp->stop.load(std::memory_order_relaxed)) return;
            }
            const std::uint64_t now = rdtsc();
            a_to_b.push_back(static_cast<std::int64_t>(now - pp->ping.tsc.load(std::memory_order_relaxed)));
            pp->pong.tsc.store(rdtsc(), std::memory_order_relaxed);
            pp->pong.value.store(i, std::memory_order_release);
          }
        });
    const auto median_ns = [&](std::vector<std::int64_t>& v) {
      if (v.empty()) return 0.0;
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
      return static_cast<double>(v[v.size() / 2]) * clock.ns_per_tick;
    };
    r.a_to_b_ns = median_ns(a_to_b);
    r.b_to_a_ns = median_ns(b_to_a);
    r.skew_ns = (r.a_to_b_ns - r.b_to_a_ns) / 2.0;
  }
  return r;
}

std::vector<Jitter> measure_jitter(const TscClock& clock, const std::vector<int>& cpus, double seconds) {
  std::vector<Jitter> out(cpus.size());
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  const auto n = static_cast<int>(cpus.size());
  for (std::size_t k = 0; k < cpus.size(); ++k) {
    threads.emplace_back([&, k] {
      Jitter& j = out[k];
      j.cpu = cpus[k];
      const bool pinned = pin_to_cpu(j.cpu);
      ready.fetch_add(1);
      while (ready.load() < n) {
      }
      if (!pinned) return;
      const std::uint64_t one_us = clock.ns_to_ticks(1e3);
      const std::uint64_t ten_us = 10 * one_us;
      const std::uint64_t hundred_us = 100 * one_us;
      const std::uint64_t one_ms = 1000 * one_us;
      const std::uint64_t begin = rdtsc();
      const std::uint64_t end = begin + clock.ns_to_ticks(seconds * 1e9);
      std::uint64_t lost = 0;
      std::uint64_t longest = 0;
      std::uint64_t prev = begin;
      for (;;) {
        const std::uint64_t now = rdtsc();
        const std::uint64_t gap = now - prev;
        prev = now;
        if (gap > one_us) {
          lost += gap;
          longest = std::max(longest, gap);
          j.gaps_over_10us += gap > ten_us;
          j.gaps_over_100us += gap > hundred_us;
          j.gaps_over_1ms += gap > one_ms;
        }
        if (now >= end) break;
      }
      j.seconds = clock.ticks_to_ns(static_cast<double>(prev - begin)) / 1e9;
      j.lost_percent = 100.0 * static_cast<double>(lost) / static_cast<double>(prev - begin);
      j.max_gap_us = clock.ticks_to_ns(static_cast<double>(longest)) / 1e3;
    });
  }
  for (std::thread& t : threads) t.join();
  return out;
}

PauseProbe probe_pause_loop(const TscClock& clock, int cpu, int runs) {
  PauseProbe probe;
  probe.cpu = cpu;
  probe.runs = runs;
  std::thread([&] {
    probe.pinned = pin_to_cpu(cpu);
    if (!probe.pinned) return;
    constexpr std::int64_t kMaxPauses = 100'000;
    constexpr std::int64_t kSlack = 2;
    const std::uint64_t one_us = clock.ns_to_ticks(1e3);
    const std::uint64_t settle = clock.ns_to_ticks(50e3);
    struct Run {
      std::int64_t pauses = 0;   // before the first gap; 0: none
      std::uint64_t gap = 0;     // ticks
      double pause_ns = 0;       // per pause before the gap
    };
    std::vector<Run> out(static_cast<std::size_t>(runs));
    for (Run& run : out) {
      for (const std::uint64_t until = rdtsc() + settle; rdtsc() < until;) {
      }
      const std::uint64_t begin = rdtsc();
      std::uint64_t prev = begin;
      for (std::int64_t i = 1; i <= kMaxPauses; ++i) {
#if defined(__x86_64__) || defined(__i386__)
        _mm_pause();
#endif
        const std::uint64_t now = rdtsc();
        if (now - prev > one_us) {
          run.pauses = i;
          run.gap = now - prev;
          break;
        }
        prev = now;
      }
      const std::int64_t timed = run.pauses != 0 ? run.pauses - 1 : kMaxPauses;
      if (timed > 0) run.pause_ns = clock.ticks_to_ns(static_cast<double>(prev - begin)) / static_cast<double>(timed);
    }
    std::vector<double> per_pause;
    for (const Run& r : out) per_pause.push_back(r.pause_ns);
    std::nth_element(per_pause.begin(), per_pause.begin() + runs / 2, per_pause.end());
    probe.pause_ns = per_pause[static_cast<std::size_t>(runs / 2)];
    // The count most runs agree on, within kSlack pauses.
    for (const Run& candidate : out) {
      if (candidate.pauses == 0) continue;
      int agreeing = 0;
      for (const Run& r : out) agreeing += r.pauses != 0 && std::abs(r.pauses - candidate.pauses) <= kSlack;
      if (agreeing > probe.runs_at_that_count) {
        probe.runs_at_that_count = agreeing;
        probe.first_gap_after = candidate.pauses;
      }
    }
    std::vector<std::uint64_t> gaps;
    for (const Run& r : out) {
      if (r.pauses != 0 && std::abs(r.pauses - probe.first_gap_after) <= kSlack) gaps.push_back(r.gap);
    }
    if (!gaps.empty()) {
      std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2), gaps.end());
      probe.median_gap_us = clock.ticks_to_ns(static_cast<double>(gaps[gaps.size() / 2])) / 1e3;
    }
  }).join();
  return probe;
}

void print_jitter(const std::vector<Jitter>& js) {
  for (const Jitter& j : js) {
    fmt::print("  CPU {}: {:.2f} % of {:.1f} s taken from a pinned spinning thread (gaps > 1 us); gaps > 10 us: {}, "
               "> 100 us: {}, > 1 ms: {}; longest {:.0f} us\n",
               j.cpu, j.lost_percent, j.seconds, j.gaps_over_10us, j.gaps_over_100us, j.gaps_over_1ms, j.max_gap_us);
  }
}

JsonArray jitter_json(const std::vector<Jitter>& js) {
  JsonArray a;
  for (const Jitter& j : js) {
    JsonObject o;
    o.integer("cpu", j.cpu).num("lost_percent", j.lost_percent, 2).integer("gaps_over_10us", j.gaps_over_10us);
    o.integer("gaps_over_100us", j.gaps_over_100us).integer("gaps_over_1ms", j.gaps_over_1ms).num("max_gap_us", j.max_gap_us);
    a.object(o);
  }
  return a;
}

void print_c2c(const C2cResult& r) {
  if (!r.error.empty()) {
    fmt::print("c2c: not measured: {}\n", r.error);
    return;
  }
  const auto row = [](const char* what, const Percentiles& p) {
    fmt::print("  {:<34} {:>7.1f} {:>7.1f} {:>7.1f} {:>7.1f} {:>8.1f} {:>9.1f}\n", what, p.p50, p.p90, p.p99, p.p999,
               p.p9999, p.max);
  };
  fmt::print("c2c: cache-line ping-pong between CPU {} and CPU {}, {} round trips per variant\n", r.cpu_a, r.cpu_b,
             r.two_lines.count);
  fmt::print("  {:<34} {:>7} {:>7} {:>7} {:>7} {:>8} {:>9}\n", "one-way = RTT/2 (ns)", "p50", "p90", "p99", "p99.9",
             "p99.99", "max");
  row("two lines (ping by A, pong by B)", r.two_lines);
  row("one line, alternating ownership", r.one_line);
  fmt::print("  stamped one-way medians: A->B {:.1f} ns, B->A {:.1f} ns: TSC offset of B vs A ~ {:+.1f} ns\n",
             r.a_to_b_ns, r.b_to_a_ns, r.skew_ns);
  fmt::print("  floor (two-line one-way p50): {:.1f} ns\n", r.floor_ns());
}

JsonObject& add_c2c_fields(JsonObject& o, const C2cResult& r) {
  o.integer("cpu_a", r.cpu_a).integer("cpu_b", r.cpu_b);
  if (!r.error.empty()) return o.str("error", r.error);
  const auto pct = [](const Percentiles& p) {
    JsonObject j;
    j.num("p50", p.p50).num("p90", p.p90).num("p99", p.p99).num("p99_9", p.p999).num("p99_99", p.p9999).num("max", p.max);
    return j.integer("round_trips", p.count);
  };
  o.num("floor_ns", r.floor_ns());
  o.object("two_lines_one_way_ns", pct(r.two_lines));
  o.object("one_line_one_way_ns", pct(r.one_line));
  o.num("tsc_offset_ns", r.skew_ns);
  return o;
}

int run_c2c(int argc, char** argv) {
  CLI::App app{"ringside-bench c2c: one-way cache-line transfer between two pinned cores (RTT/2 of a ping-pong), "
               "the floor under every cross-core handoff. Ends with one line of JSON."};
  app.name("ringside-bench c2c");
  std::vector<int> cpus{0, 1};
  std::int64_t iterations = 1'000'000;
  app.add_option("--cpus", cpus, "the two CPUs, A,B")->delimiter(',')->expected(2)->capture_default_str();
  app.add_option("--iterations", iterations, "round trips per variant (each phase stops after 5 s)")
      ->check(CLI::Range(std::int64_t{1000}, std::int64_t{1'000'000'000}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const TscClock clock = TscClock::calibrate();
  const ClockOverheads overheads = measure_clock_overheads(clock);
  fmt::print("{}\n", describe(clock, overheads));
  const C2cResult r = measure_c2c(clock, cpus[0], cpus[1], iterations);
  print_c2c(r);
  std::vector<Jitter> jitter;
  if (r.error.empty()) {
    fmt::print("jitter: what the machine takes from a pinned spinning thread, both CPUs at once, 1 s\n");
    jitter = measure_jitter(clock, cpus, 1.0);
    print_jitter(jitter);
  }
  std::optional<PauseProbe> pause;
  if (r.error.empty()) {
    pause = probe_pause_loop(clock, cpus[0]);
    const PauseProbe& p = *pause;
    if (!p.pinned) {
      fmt::print("pause loop: not probed (CPU {} refused)\n", p.cpu);
    } else if (p.intercepted()) {
      fmt::print("pause loop on CPU {}: one pause {:.1f} ns; in {} of {} runs the first gap came after {} pauses "
                 "(median {:.1f} us): the host intercepts pause loops (pause-loop exiting), so spin without pause here\n",
                 p.cpu, p.pause_ns, p.runs_at_that_count, p.runs, p.first_gap_after, p.median_gap_us);
    } else {
      fmt::print("pause loop on CPU {}: one pause {:.1f} ns; no fixed pause count before a gap in {} runs: "
                 "no sign of pause-loop exiting\n",
                 p.cpu, p.pause_ns, p.runs);
    }
  }
  JsonObject json;
  json.str("bench", "c2c").str("unit", "ns").str("clock", "tsc").num("tsc_mhz", clock.ticks_per_ns * 1e3, 3);
  json.num("rdtsc_ns", overheads.rdtsc_ns);
  add_c2c_fields(json, r);
  json.array("jitter", jitter_json(jitter));
  if (pause) {
    const PauseProbe& p = *pause;
    JsonObject o;
    o.integer("cpu", p.cpu).boolean("probed", p.pinned).num("pause_ns", p.pause_ns).integer("runs", p.runs);
    o.integer("first_gap_after_pauses", p.first_gap_after).integer("runs_at_that_count", p.runs_at_that_count);
    o.num("median_gap_us", p.median_gap_us).boolean("intercepted", p.pinned && p.intercepted());
    json.object("pause_loop", o);
  }
  fmt::print("{}\n", json.text());
  return r.error.empty() ? 0 : 1;
}

}  // namespace ringside::bench
