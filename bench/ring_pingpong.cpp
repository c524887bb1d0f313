// ringside-bench ring-pingpong: round-trip time between two processes, ringside
// against boost::lockfree::spsc_queue, a pipe and a Unix socket.
//
// Processes: A pinned to the first CPU, B to the second, forked once; they run
// every transport in turn (a phase barrier between transports), so all are
// measured in the same run across the same two pinned processes. ringside
// (lossless, then lossy) and boost alternate --rounds times (3), iterations/rounds
// round trips each, their samples pooled, so a slow spell of the machine does not
// favour any.
// Each round trip: A sends a 64-byte frame, B receives it and sends it back, A
// receives the echo. A stamps every round trip with rdtsc before sending and
// after receiving.
//   - ringside: two rings, "ping" (A writes, B reads) and "pong" (B writes, A
//     reads); claim + fill + commit to send, a busy read() loop to receive. B
//     echoes by copying the frame it read into a frame claimed on pong. Twice,
//     on two pairs of rings: with lossless readers (frames read in place; the
//     writer could never overwrite one unread, as boost's queue never does: the
//     figure compared with boost, as in ring-throughput) and with lossy readers
//     (each frame copied out and checked against the horizon, as the gateway and
//     the processors read).
//   - boost: two spsc_queue<Frame64, capacity<65536>> in MAP_SHARED memory; push
//     and a busy pop loop.
//   - pipe, socket: blocking write(2) and read(2) of 64 bytes.
// Warm-up: the first 10 % of each round's round trips (at most 10k) are not
// recorded. Each transport stops after --max-seconds whatever the iteration count.
// Target (issue): ringside's median RTT <= 0.8x boost's (lossless; lossy reported
// beside it).
#include "ring_pingpong.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "affinity.hpp"
#include "histogram.hpp"
#include "json_line.hpp"
#include "processes.hpp"
#include "ring_frames.hpp"
#include "ringside/shm/reader.hpp"
#include "ringside/shm/writer.hpp"
#include "transports.hpp"
#include "tsc_clock.hpp"

namespace ringside::bench {
namespace {

constexpr double kTargetRttVsBoost = 0.8;

enum Transport { kRingLossless = 0, kRingLossy, kBoost, kPipe, kSocket, kTransports };
constexpr int kMaxRounds = 16;
constexpr std::array<const char*, kTransports> kNames = {"ringside_lossless", "ringside_lossy", "boost_spsc", "pipe",
                                                         "unix_socket"};
constexpr std::array<const char*, kTransports> kLabels = {"ringside lossless", "ringside lossy", "boost_spsc", "pipe",
                                                          "unix_socket"};
constexpr std::array<Transport, 2> kRings = {kRingLossless, kRingLossy};

struct PingShared {
  std::atomic<int> abort{0};
  PhaseBarrier barrier;
  std::atomic<int> stop[kMaxRounds][kTransports] = {};  // A is done with a round of a transport: B stops echoing
  Histogram rtt[kTransports];               // ticks
  std::int64_t errors[kTransports] = {};    // echoes that did not match
  char backing[512] = {};
  SpscQueue a_to_b;
  SpscQueue b_to_a;
};

struct Options {
  std::int64_t iterations = 200'000;
  int rounds = 3;
  std::vector<int> cpus{0, 1};
  double max_seconds = 4.0;
  std::uint64_t capacity_kib = 4096;
};

// The ring a side writes (or reads) for transport t: "ping-lossless", "pong-lossy"...
std::string ring_name(const char* direction, Transport t) {
  return fmt::format("{}-{}", direction, t == kRingLossless ? "lossless" : "lossy");
}

shm::ReaderOptions reader_options(Transport t, const std::string& name) {
  shm::ReaderOptions ro;
  ro.kind = t == kRingLossless ? shm::ReaderKind::Lossless : shm::ReaderKind::Lossy;
  ro.start = shm::StartAt::Next;
  ro.wait_for_ring = std::chrono::milliseconds(20'000);
  ro.name = name;
  return ro;
}

// A side's rings for one reader kind: the one it writes and the one it reads.
struct RingPair {
  shm::RingWriter writer;
  shm::RingReader reader;
};

// A side's ring pairs, one per reader kind: it creates "<writes>-kind", then
// attaches to "<reads>-kind". Each side creates before it attaches, so neither
// waits on the other for long.
std::vector<RingPair> open_rings(const char* writes, const char* reads, const std::string& reader_name,
                                 const Options& o) {
  shm::CreateOptions create;
  create.capacity = o.capacity_kib << 10;
  create.lock_memory = true;
  std::vector<RingPair> rings;
  for (const Transport t : kRings) {
    shm::RingWriter writer = shm::RingWriter::create(ring_name(writes, t), create);
    rings.push_back({std::move(writer), shm::RingReader::attach(ring_name(reads, t), reader_options(t, reader_name))});
  }
  return rings;
}

// Reads until a frame arrives; nullptr if the ring ends or `stop` is raised.
const FrameHeader* read_frame(shm::RingReader& r, const std::atomic<int>* stop, const std::atomic<int>& abort) {
  for (std::uint32_t spins = 0;; ++spins) {
    const shm::ReadResult got = r.read();
    if (got.status == shm::ReadStatus::Frame) return got.frame;
    if (got.status != shm::ReadStatus::Empty) return nullptr;
    if ((spins & 4095) == 4095 &&
        ((stop != nullptr && stop->load(std::memory_order_acquire) != 0) || abort.load(std::memory_order_relaxed) != 0)) {
      return nullptr;
    }
  }
}

int process_a(PingShared& sh, Channels& ch, const TscClock& clock, const Options& o) {
  ch.close_for_a();
  prefault(&sh, sizeof sh);
  const auto per_round = static_cast<std::uint64_t>((o.iterations + o.rounds - 1) / o.rounds);
  const std::uint64_t warm = std::min<std::uint64_t>(per_round / 10, 10'000);
  const std::uint64_t budget = clock.ns_to_ticks(o.max_seconds * 1e9 / o.rounds);
  // A writes "ping-*" and reads "pong-*".
  std::vector<RingPair> rings = open_rings("ping", "pong", "bench-pingpong-a", o);
  std::snprintf(sh.backing, sizeof sh.backing, "%s", shm::describe(rings[0].writer.backing()).c_str());
  int phase = 0;
  std::uint64_t seq = 0;  // echoes carry it back: a mismatch is an error
  for (int round = 0; round < o.rounds; ++round) {
    for (std::size_t k = 0; k < kRings.size(); ++k) {
      const Transport t = kRings[k];
      shm::RingWriter& ping = rings[k].writer;
      shm::RingReader& pong = rings[k].reader;
      if (!sh.barrier.arrive_and_wait(phase++, sh.abort)) return 3;
      Histogram& h = sh.rtt[t];
      const std::uint64_t end = rdtsc() + budget;
      for (std::uint64_t i = 0; i < per_round + warm; ++i, ++seq) {
        const std::uint64_t t0 = rdtsc();
        fill_frame(ping.claim(sizeof(Frame64)), sizeof(Frame64), seq, static_cast<std::int64_t>(seq));
        ping.commit();
        const FrameHeader* echo = read_frame(pong, nullptr, sh.abort);
        const std::uint64_t t1 = rdtsc();
        if (echo == nullptr) return 4;
        if (echo->event_time_ns != static_cast<std::int64_t>(seq)) ++sh.errors[t];
        if (i >= warm) h.record(static_cast<std::int64_t>(t1 - t0));
        if (t1 > end) break;
      }
      sh.stop[round][t].store(1, std::memory_order_release);
    }
    // boost::lockfree::spsc_queue
    if (!sh.barrier.arrive_and_wait(phase++, sh.abort)) return 3;
    {
      Histogram& h = sh.rtt[kBoost];
      const std::uint64_t end = rdtsc() + budget;
      Frame64 frame{};
      Frame64 echo{};
      for (std::uint64_t i = 0; i < per_round + warm; ++i, ++seq) {
        const std::uint64_t t0 = rdtsc();
        fill_frame(&frame, sizeof frame, seq, static_cast<std::int64_t>(seq));
        while (!sh.a_to_b.push(frame)) {
        }
        for (std::uint32_t spins = 0; !sh.b_to_a.pop(echo);) {
          if ((++spins & 4095) == 0 && sh.abort.load(std::memory_order_relaxed) != 0) return 4;
        }
        const std::uint64_t t1 = rdtsc();
        if (echo.header.event_time_ns != static_cast<std::int64_t>(seq)) ++sh.errors[kBoost];
        if (i >= warm) h.record(static_cast<std::int64_t>(t1 - t0));
        if (t1 > end) break;
      }
      sh.stop[round][kBoost].store(1, std::memory_order_release);
    }
  }

  // Pipe, then socket, once each. Closing A's write end ends B's echo loop.
  const auto over_fds = [&](Transport t, int& out_fd, int in_fd) {
    if (!sh.barrier.arrive_and_wait(phase++, sh.abort)) return false;
    Histogram& h = sh.rtt[t];
    const auto total = static_cast<std::uint64_t>(o.iterations);
    const std::uint64_t syscall_warm = std::min<std::uint64_t>(total / 10, 10'000);
    const std::uint64_t end = rdtsc() + clock.ns_to_ticks(o.max_seconds * 1e9);
    Frame64 frame{};
    Frame64 echo{};
    for (std::uint64_t i = 0; i < total + syscall_warm; ++i) {
      const std::uint64_t t0 = rdtsc();
      fill_frame(&frame, sizeof frame, i, static_cast<std::int64_t>(i));
      if (!write_all(out_fd, &frame, sizeof frame) || !read_all(in_fd, &echo, sizeof echo)) return false;
      const std::uint64_t t1 = rdtsc();
      if (echo.header.event_time_ns != static_cast<std::int64_t>(i)) ++sh.errors[t];
      if (i >= syscall_warm) h.record(static_cast<std::int64_t>(t1 - t0));
      if (t1 > end) break;
    }
    Channels::close_fd(out_fd);
    return true;
  };
  if (!over_fds(kPipe, ch.a_to_b[1], ch.b_to_a[0])) return 5;
  if (!over_fds(kSocket, ch.socket[0], ch.socket[0])) return 6;
  return 0;
}

int process_b(PingShared& sh, Channels& ch, const Options& o) {
  ch.close_for_b();
  prefault(&sh, sizeof sh);
  std::vector<RingPair> rings = open_rings("pong", "ping", "bench-pingpong-b", o);
  int phase = 0;
  for (int round = 0; round < o.rounds; ++round) {
    for (std::size_t k = 0; k < kRings.size(); ++k) {
      shm::RingWriter& pong = rings[k].writer;
      shm::RingReader& ping = rings[k].reader;
      if (!sh.barrier.arrive_and_wait(phase++, sh.abort)) return 3;
      for (;;) {
        const FrameHeader* f = read_frame(ping, &sh.stop[round][kRings[k]], sh.abort);
        if (f == nullptr) break;
        pong.claim_copy(*f);  // the pong ring gives it its own sequence
        pong.commit();
      }
    }
    if (!sh.barrier.arrive_and_wait(phase++, sh.abort)) return 3;
    Frame64 frame{};
    for (std::uint32_t spins = 0;;) {
      if (sh.a_to_b.pop(frame)) {
        while (!sh.b_to_a.push(frame)) {
        }
        continue;
      }
      if ((++spins & 4095) == 0 && (sh.stop[round][kBoost].load(std::memory_order_acquire) != 0 ||
                                    sh.abort.load(std::memory_order_relaxed) != 0)) {
        break;
      }
    }
  }

  const auto echo_fds = [&](int in_fd, int& out_fd) {
    if (!sh.barrier.arrive_and_wait(phase++, sh.abort)) return false;
    Frame64 f{};
    while (read_all(in_fd, &f, sizeof f)) {
      if (!write_all(out_fd, &f, sizeof f)) return false;
    }
    Channels::close_fd(out_fd);
    return true;
  };
  if (!echo_fds(ch.a_to_b[0], ch.b_to_a[1])) return 5;
  if (!echo_fds(ch.socket[1], ch.socket[1])) return 6;
  return 0;
}

}  // namespace

int run_ring_pingpong(int argc, char** argv) {
  CLI::App app{"ringside-bench ring-pingpong: round-trip time of a 64-byte frame between two pinned processes over "
               "ringside rings (lossless and lossy readers), boost::lockfree::spsc_queue in shared memory, a pipe and a "
               "Unix socket, in one run. Ends with one line of JSON."};
  app.name("ringside-bench ring-pingpong");
  Options o;
  app.add_option("--iterations", o.iterations, "round trips per transport (the two ringside ones and boost: over all rounds)")
      ->check(CLI::Range(std::int64_t{100}, std::int64_t{100'000'000}))->capture_default_str();
  app.add_option("--rounds", o.rounds,
                 "ringside lossless, lossy and boost alternate this many times, iterations/rounds round trips each")
      ->check(CLI::Range(1, kMaxRounds))->capture_default_str();
  app.add_option("--cpus", o.cpus, "A,B: the CPUs of the two processes")->delimiter(',')->expected(2)->capture_default_str();
  app.add_option("--max-seconds", o.max_seconds, "stop a transport after this long (over all its rounds)")->check(CLI::Range(0.1, 600.0))->capture_default_str();
  app.add_option("--capacity-kib", o.capacity_kib, "data size of each ring in KiB")->check(CLI::Range(16, 1 << 20))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (o.cpus.size() != 2 || o.cpus[0] == o.cpus[1]) {
    return usage_error("ring-pingpong", "--cpus needs two different CPUs");
  }
  if (const std::string bad = check_cpus(o.cpus); !bad.empty()) {
    return usage_error("ring-pingpong", bad);
  }
  spdlog::set_level(spdlog::level::warn);

  const TscClock clock = TscClock::calibrate();
  const ClockOverheads overheads = measure_clock_overheads(clock);
  fmt::print("ring-pingpong: process A on CPU {}, B on CPU {}; {} round trips of a 64-byte frame per transport "
             "(ringside lossless, lossy and boost alternating in {} rounds; stops after {:.1f} s)\n",
             o.cpus[0], o.cpus[1], o.iterations, o.rounds, o.max_seconds);
  fmt::print("{}\n", describe(clock, overheads));

  ScratchRingDir ring_dir;
  Shared<PingShared> sh;
  std::vector<std::string> failures = run_pair(
      "process A", o.cpus[0], [&](Channels& ch) { return process_a(*sh, ch, clock, o); },
      "process B", o.cpus[1], [&](Channels& ch) { return process_b(*sh, ch, o); },
      std::chrono::milliseconds(static_cast<long>(o.max_seconds * 4 * 1000 + 60'000)), &sh->abort);

  fmt::print("ring backing: {}\n", sh->backing[0] != '\0' ? sh->backing : "(not created)");
  fmt::print("\nround-trip time, ns\n  {:<17} {:>9} {:>8} {:>8} {:>8} {:>8} {:>9} {:>10}  {:>7}\n", "transport",
             "samples", "p50", "p90", "p99", "p99.9", "p99.99", "max", "errors");
  std::array<Percentiles, kTransports> p;
  for (int t = 0; t < kTransports; ++t) {
    p[static_cast<std::size_t>(t)] = percentiles_of(sh->rtt[t], clock.ticks_per_ns);
    const Percentiles& q = p[static_cast<std::size_t>(t)];
    fmt::print("  {:<17} {:>9} {:>8.0f} {:>8.0f} {:>8.0f} {:>8.0f} {:>9.0f} {:>10.0f}  {:>7}\n", kLabels[static_cast<std::size_t>(t)],
               q.count, q.p50, q.p90, q.p99, q.p999, q.p9999, q.max, sh->errors[t]);
  }
  for (const std::string& f : failures) fmt::print("FAILED: {}\n", f);

  const Percentiles& ring = p[kRingLossless];
  const Percentiles& lossy = p[kRingLossy];
  const Percentiles& boost = p[kBoost];
  const double p50_ratio = ring.p50 / boost.p50;
  const double p99_ratio = ring.p99 / boost.p99;
  const double lossy_p50_ratio = lossy.p50 / boost.p50;
  const double lossy_p99_ratio = lossy.p99 / boost.p99;
  const bool measured = ring.count > 0 && boost.count > 0;
  const bool met = measured && p50_ratio <= kTargetRttVsBoost;
  const bool lossy_met = lossy.count > 0 && boost.count > 0 && lossy_p50_ratio <= kTargetRttVsBoost;
  fmt::print("\nringside lossless / boost: p50 {:.2f}, p99 {:.2f}; lossy / boost: p50 {:.2f}, p99 {:.2f}\n", p50_ratio,
             p99_ratio, lossy_p50_ratio, lossy_p99_ratio);
  fmt::print("target: median RTT <= {:.1f}x boost's (lossless readers, never overwritten unread, as boost's queue): {}; "
             "lossy readers: {}\n",
             kTargetRttVsBoost, !measured ? "not evaluated" : met ? "met" : "NOT met", lossy_met ? "met" : "not met");

  JsonObject json;
  json.str("bench", "ring-pingpong").str("unit", "ns").str("clock", "tsc").num("tsc_mhz", clock.ticks_per_ns * 1e3, 3);
  json.integer("cpu_a", o.cpus[0]).integer("cpu_b", o.cpus[1]).integer("rounds", o.rounds);
  for (int t = 0; t < kTransports; ++t) {
    const Percentiles& q = p[static_cast<std::size_t>(t)];
    JsonObject j;
    j.integer("samples", q.count).num("p50", q.p50).num("p90", q.p90).num("p99", q.p99).num("p99_9", q.p999);
    j.num("p99_99", q.p9999).num("max", q.max).num("mean", q.mean).integer("errors", sh->errors[t]);
    json.object(kNames[static_cast<std::size_t>(t)], j);
  }
  json.num("ringside_vs_boost_p50", p50_ratio, 3).num("ringside_vs_boost_p99", p99_ratio, 3);
  json.num("ringside_lossy_vs_boost_p50", lossy_p50_ratio, 3).num("ringside_lossy_vs_boost_p99", lossy_p99_ratio, 3);
  JsonObject targets;
  targets.num("rtt_p50_max_vs_boost", kTargetRttVsBoost, 2).str("judged_on", "ringside_lossless");
  if (measured) {
    targets.boolean("met", met).boolean("lossy_met", lossy_met);
  } else {
    targets.raw("met", "null").raw("lossy_met", "null");
  }
  json.object("targets", targets);
  json.strings("failures", failures);
  fmt::print("{}\n", json.text());
  return failures.empty() ? 0 : 1;
}

}  // namespace ringside::bench
