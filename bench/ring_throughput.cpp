// ringside-bench ring-throughput: frames per second from one process to another,
// ringside against boost::lockfree::spsc_queue, a pipe and a Unix socket.
//
// Processes: a producer pinned to the first CPU and a consumer pinned to the
// second, forked once; they run every transport in turn (a phase barrier between
// transports), so all are measured in the same run across the same two pinned
// processes. The shared-memory transports alternate --rounds times (3); each
// reports its median round, and ringside/boost is the median of the per-round
// ratios, so a slow spell of the machine hits both alike.
// Each transport moves --frames 64-byte frames (per round) one at a time (pipe and socket:
// --syscall-frames, one write(2) and one read(2) of 64 bytes each), as fast as
// it allows: the producer fills each frame in place (ring) or in a local
// buffer (the others) and publishes it alone, no batching.
//   - ringside (lossless): claim + fill + commit per frame; a lossless reader,
//     so the writer waits when the ring is full (backpressure) and every frame
//     arrives, like the queue. This is the figure compared with boost.
//   - ringside (lossy): the same with a lossy reader: the writer never waits;
//     reported with the frames the reader received and missed.
//   - boost: spsc_queue<Frame64, capacity<65536>> (4 MiB, the ring's default
//     size here) in MAP_SHARED memory; push retried while full, pop while empty.
// The consumer checks every frame's sequence (ring) or index (others) and
// counts gaps. For the lossless ring the writer's stall count and time (from the
// ring header) say whether the writer or the reader set the pace. Time: from both processes leaving the start barrier to the
// consumer holding the last frame (consumer's TSC). Each transport stops after
// --max-seconds whatever the frame count.
// Targets (issue): ringside >= 2x boost's frames/s, and >= 40 million frames/s.
#include "ring_throughput.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "affinity.hpp"
#include "json_line.hpp"
#include "median.hpp"
#include "processes.hpp"
#include "ring_frames.hpp"
#include "ringside/shm/reader.hpp"
#include "ringside/shm/writer.hpp"
#include "transports.hpp"
#include "tsc_clock.hpp"

namespace ringside::bench {
namespace {

constexpr double kTargetVsBoost = 2.0;
constexpr double kTargetFramesPerSecond = 40e6;

enum Transport { kRingLossless = 0, kRingLossy, kBoost, kPipe, kSocket, kTransports };
constexpr int kMaxRounds = 16;
constexpr std::array<const char*, kTransports> kNames = {"ringside_lossless", "ringside_lossy", "boost_spsc", "pipe",
                                                         "unix_socket"};

struct Result {
  std::int64_t sent = 0;
  std::int64_t received = 0;
  std::int64_t missed = 0;      // lossy ring: frames the reader reported lost
  std::int64_t bad = 0;         // frames out of sequence (other than reported losses)
  std::uint64_t start_tsc = 0;  // consumer: left the start barrier
  std::uint64_t end_tsc = 0;    // consumer: holds the last frame
  std::uint64_t stall_count = 0;  // ring: times the writer waited for the lossless reader (header stall_count)
  std::uint64_t stall_ns = 0;     // ring: and for how long (header stall_ns)
};

struct ThroughputShared {
  std::atomic<int> abort{0};
  PhaseBarrier barrier;
  std::atomic<int> producer_done[kMaxRounds][kTransports] = {};  // the producer has sent all it will send
  Result result[kMaxRounds][kTransports];                         // pipe and socket: round 0 only
  char backing[512] = {};
  SpscQueue queue;
};

struct Options {
  std::int64_t frames = 10'000'000;
  int rounds = 3;
  std::int64_t syscall_frames = 1'000'000;
  std::vector<int> cpus{0, 1};
  double max_seconds = 5.0;
  std::uint64_t capacity_kib = 4096;
  std::uint32_t frame_bytes = 64;
  std::int64_t burst_backoff_ns = std::chrono::nanoseconds(shm::ReaderOptions{}.burst_backoff).count();
};

std::string ring_name(Transport t, int round) {
  return fmt::format("tput-{}-{}", t == kRingLossless ? "lossless" : "lossy", round);
}

// The shared-memory transports, in the order every round runs them.
constexpr Transport kShmTransports[] = {kRingLossless, kRingLossy, kBoost};

int producer(ThroughputShared& sh, Channels& ch, const TscClock& clock, const Options& o) {
  ch.close_for_a();
  prefault(&sh, sizeof sh);
  const std::uint64_t budget = clock.ns_to_ticks(o.max_seconds * 1e9 / o.rounds);
  const auto n = static_cast<std::uint64_t>(o.frames);
  int phase = 0;
  for (int round = 0; round < o.rounds; ++round) {
    for (const Transport t : kShmTransports) {
      Result& res = sh.result[round][t];
      if (t == kBoost) {
        if (!sh.barrier.arrive_and_wait(phase++, sh.abort)) return 3;
        const std::uint64_t end = rdtsc() + budget;
        Frame64 frame{};
        std::uint64_t i = 0;
        for (; i < n; ++i) {
          fill_frame(&frame, sizeof frame, i, static_cast<std::int64_t>(i));
          while (!sh.queue.push(frame)) {
          }
          if ((i & 65535) == 0 && (rdtsc() > end || sh.abort.load(std::memory_order_relaxed) != 0)) {
            ++i;
            break;
          }
        }
        res.sent = static_cast<std::int64_t>(i);
        sh.producer_done[round][t].store(1, std::memory_order_release);
        if (!sh.barrier.arrive_and_wait(phase++, sh.abort, std::chrono::seconds(60))) return 3;  // consumer done
        continue;
      }
      shm::CreateOptions create;
      create.capacity = o.capacity_kib << 10;
      create.lock_memory = true;
      shm::RingWriter w = shm::RingWriter::create(ring_name(t, round), create);
      if (round == 0 && t == kRingLossless) {
        std::snprintf(sh.backing, sizeof sh.backing, "%s", shm::describe(w.backing()).c_str());
      }
      if (!sh.barrier.arrive_and_wait(phase++, sh.abort)) return 3;  // the reader has attached
      if (!sh.barrier.arrive_and_wait(phase++, sh.abort)) return 3;  // start
      const std::uint64_t end = rdtsc() + budget;
      std::uint64_t i = 0;
      for (; i < n; ++i) {
        fill_frame(w.claim(o.frame_bytes), o.frame_bytes, i, 1);
        w.commit();
        if ((i & 65535) == 0 && (rdtsc() > end || sh.abort.load(std::memory_order_relaxed) != 0)) {
          ++i;
          break;
        }
      }
      res.sent = static_cast<std::int64_t>(i);
      res.stall_count = w.ring().header->stall_count.load(std::memory_order_relaxed);
      res.stall_ns = w.ring().header->stall_ns.load(std::memory_order_relaxed);
      sh.producer_done[round][t].store(1, std::memory_order_release);
      // Keep the writer (and the ring's Running state) until the consumer is done.
      if (!sh.barrier.arrive_and_wait(phase++, sh.abort, std::chrono::seconds(60))) return 3;
    }
  }

  const auto over_fd = [&](Transport t, int& fd) {
    if (!sh.barrier.arrive_and_wait(phase++, sh.abort)) return false;
    const std::uint64_t end = rdtsc() + clock.ns_to_ticks(o.max_seconds * 1e9);
    const auto count = static_cast<std::uint64_t>(o.syscall_frames);
    Frame64 frame{};
    std::uint64_t i = 0;
    for (; i < count; ++i) {
      fill_frame(&frame, sizeof frame, i, static_cast<std::int64_t>(i));
      if (!write_all(fd, &frame, sizeof frame)) return false;
      if ((i & 4095) == 0 && rdtsc() > end) {
        ++i;
        break;
      }
    }
    sh.result[0][t].sent = static_cast<std::int64_t>(i);
    Channels::close_fd(fd);  // end-of-file for the consumer
    return true;
  };
  if (!over_fd(kPipe, ch.a_to_b[1])) return 5;
  if (!over_fd(kSocket, ch.socket[0])) return 6;
  return 0;
}

int consumer(ThroughputShared& sh, Channels& ch, const Options& o) {
  ch.close_for_b();
  prefault(&sh, sizeof sh);
  int phase = 0;
  for (int round = 0; round < o.rounds; ++round) {
    for (const Transport t : kShmTransports) {
      Result& res = sh.result[round][t];
      if (t == kBoost) {
        if (!sh.barrier.arrive_and_wait(phase++, sh.abort)) return 3;
        res.start_tsc = rdtsc();
        Frame64 frame{};
        std::int64_t expected = 0;
        for (std::uint32_t spins = 0;;) {
          if (sh.queue.pop(frame)) {
            if (frame.header.event_time_ns != expected) ++res.bad;
            expected = frame.header.event_time_ns + 1;
            ++res.received;
            continue;
          }
          if ((++spins & 1023) == 0) {
            if (sh.producer_done[round][t].load(std::memory_order_acquire) != 0 && sh.queue.read_available() == 0) break;
            if (sh.abort.load(std::memory_order_relaxed) != 0) return 4;
          }
        }
        res.end_tsc = rdtsc();
        if (!sh.barrier.arrive_and_wait(phase++, sh.abort, std::chrono::seconds(60))) return 3;
        continue;
      }
      shm::ReaderOptions ro;
      ro.kind = t == kRingLossless ? shm::ReaderKind::Lossless : shm::ReaderKind::Lossy;
      ro.start = shm::StartAt::Next;
      ro.wait_for_ring = std::chrono::milliseconds(20'000);
      ro.name = "bench-throughput";
      ro.burst_backoff = std::chrono::nanoseconds(o.burst_backoff_ns);
      shm::RingReader r = shm::RingReader::attach(ring_name(t, round), ro);
      if (!sh.barrier.arrive_and_wait(phase++, sh.abort)) return 3;
      if (!sh.barrier.arrive_and_wait(phase++, sh.abort)) return 3;
      res.start_tsc = rdtsc();
      std::uint64_t expected = 1;  // ring sequences start at 1
      bool done_seen = false;
      for (std::uint32_t spins = 0;;) {
        const shm::ReadResult got = r.read();
        if (got.status == shm::ReadStatus::Frame) {
          ++res.received;
          res.missed += static_cast<std::int64_t>(got.missed);
          expected += got.missed;
          if (got.frame->sequence != expected) ++res.bad;
          expected = got.frame->sequence + 1;
          continue;
        }
        if (got.status != shm::ReadStatus::Empty) break;
        if (done_seen) break;
        if ((++spins & 1023) == 0) {
          if (sh.producer_done[round][t].load(std::memory_order_acquire) != 0) done_seen = true;  // once more, then stop
          if (sh.abort.load(std::memory_order_relaxed) != 0) return 4;
        }
      }
      res.end_tsc = rdtsc();
      if (!sh.barrier.arrive_and_wait(phase++, sh.abort, std::chrono::seconds(60))) return 3;
    }
  }

  const auto over_fd = [&](Transport t, int& fd) {
    if (!sh.barrier.arrive_and_wait(phase++, sh.abort)) return false;
    Result& res = sh.result[0][t];
    res.start_tsc = rdtsc();
    Frame64 frame{};
    std::int64_t expected = 0;
    while (read_all(fd, &frame, sizeof frame)) {
      if (frame.header.event_time_ns != expected) ++res.bad;
      expected = frame.header.event_time_ns + 1;
      ++res.received;
    }
    res.end_tsc = rdtsc();
    Channels::close_fd(fd);
    return true;
  };
  if (!over_fd(kPipe, ch.a_to_b[0])) return 5;
  if (!over_fd(kSocket, ch.socket[1])) return 6;
  return 0;
}

}  // namespace

int run_ring_throughput(int argc, char** argv) {
  CLI::App app{"ringside-bench ring-throughput: frames per second from one pinned process to another over a ringside "
               "ring, boost::lockfree::spsc_queue in shared memory, a pipe and a Unix socket, in one run. Ends with "
               "one line of JSON."};
  app.name("ringside-bench ring-throughput");
  Options o;
  app.add_option("--frames", o.frames, "frames per shared-memory transport and round")
      ->check(CLI::Range(std::int64_t{1000}, std::int64_t{10'000'000'000}))->capture_default_str();
  app.add_option("--syscall-frames", o.syscall_frames, "frames for the pipe and the socket (one syscall each way per frame)")
      ->check(CLI::Range(std::int64_t{1000}, std::int64_t{1'000'000'000}))->capture_default_str();
  app.add_option("--rounds", o.rounds, "the shared-memory transports alternate this many times; each reports its median")
      ->check(CLI::Range(1, kMaxRounds))->capture_default_str();
  app.add_option("--frame-bytes", o.frame_bytes, "ring frame size (the baselines always move 64-byte frames)")
      ->capture_default_str();
  app.add_option("--cpus", o.cpus, "P,C: the producer's and the consumer's CPU")->delimiter(',')->expected(2)->capture_default_str();
  app.add_option("--max-seconds", o.max_seconds, "stop a transport after this long")->check(CLI::Range(0.1, 600.0))->capture_default_str();
  app.add_option("--burst-backoff-ns", o.burst_backoff_ns,
                 "ReaderOptions::burst_backoff of the ring's reader (0: it always polls the writer's head; "
                 "shm/README.md, \"Reading behind a busy writer\")")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1'000'000}))->capture_default_str();
  app.add_option("--capacity-kib", o.capacity_kib, "ring data size in KiB (the queue holds 4096 KiB)")
      ->check(CLI::Range(16, 1 << 20))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (o.cpus.size() != 2 || o.cpus[0] == o.cpus[1]) {
    return usage_error("ring-throughput", "--cpus needs two different CPUs");
  }
  if (const std::string bad = check_cpus(o.cpus); !bad.empty()) {
    return usage_error("ring-throughput", bad);
  }
  if (!valid_frame_bytes(o.frame_bytes)) {
    return usage_error("ring-throughput", fmt::format("--frame-bytes {}: use 64 or 48 + 16k (64..2096)", o.frame_bytes));
  }
  spdlog::set_level(spdlog::level::warn);

  const TscClock clock = TscClock::calibrate();
  const ClockOverheads overheads = measure_clock_overheads(clock);
  fmt::print("ring-throughput: producer on CPU {}, consumer on CPU {}; {} frames per shared-memory transport, {} per "
             "pipe/socket, one frame per publish (stops after {:.1f} s); ring reader burst backoff {} ns\n",
             o.cpus[0], o.cpus[1], o.frames, o.syscall_frames, o.max_seconds, o.burst_backoff_ns);
  fmt::print("{}\n", describe(clock, overheads));

  ScratchRingDir ring_dir;
  Shared<ThroughputShared> sh;
  std::vector<std::string> failures = run_pair(
      "producer", o.cpus[0], [&](Channels& ch) { return producer(*sh, ch, clock, o); },
      "consumer", o.cpus[1], [&](Channels& ch) { return consumer(*sh, ch, o); },
      std::chrono::milliseconds(static_cast<long>(o.max_seconds * 5 * 1000 + 90'000)), &sh->abort);

  fmt::print("ring backing: {}; ring frames {} bytes\n", sh->backing[0] != '\0' ? sh->backing : "(not created)",
             o.frame_bytes);
  fmt::print("\n  {:<18} {:>5} {:>11} {:>11} {:>9} {:>6} {:>9} {:>14} {:>9}\n", "transport", "round", "sent",
             "received", "missed", "bad", "seconds", "frames/s", "MB/s");
  std::array<double, kTransports> fps{};  // median over rounds
  std::array<std::vector<double>, kTransports> per_round{};
  JsonObject json;
  json.str("bench", "ring-throughput").str("clock", "tsc").num("tsc_mhz", clock.ticks_per_ns * 1e3, 3);
  json.integer("cpu_producer", o.cpus[0]).integer("cpu_consumer", o.cpus[1]).integer("ring_frame_bytes", o.frame_bytes);
  json.integer("burst_backoff_ns", o.burst_backoff_ns);
  json.integer("ring_capacity_kib", o.capacity_kib).integer("queue_capacity_frames", kQueueSlots).integer("rounds", o.rounds);
  for (int t = 0; t < kTransports; ++t) {
    const auto u = static_cast<std::size_t>(t);
    const double bytes = t <= kRingLossy ? o.frame_bytes : sizeof(Frame64);
    const int rounds = t <= kBoost ? o.rounds : 1;
    std::int64_t sent = 0, received = 0, missed = 0, bad = 0;
    std::uint64_t stalls = 0;
    double stalled_seconds = 0, seconds_total = 0;
    JsonArray rounds_json;
    for (int round = 0; round < rounds; ++round) {
      const Result& r = sh->result[round][t];
      const double seconds =
          r.end_tsc > r.start_tsc ? clock.ticks_to_ns(static_cast<double>(r.end_tsc - r.start_tsc)) / 1e9 : 0;
      const double f = seconds > 0 ? static_cast<double>(r.received) / seconds : 0;
      per_round[u].push_back(f);
      sent += r.sent;
      received += r.received;
      missed += r.missed;
      bad += r.bad;
      rounds_json.num(f, 0);
      stalls += r.stall_count;
      stalled_seconds += static_cast<double>(r.stall_ns) / 1e9;
      seconds_total += seconds;
      fmt::print("  {:<18} {:>5} {:>11} {:>11} {:>9} {:>6} {:>9.3f} {:>14.0f} {:>9.0f}\n", kNames[u], round + 1, r.sent,
                 r.received, r.missed, r.bad, seconds, f, f * bytes / 1e6);
    }
    fps[u] = median(per_round[u]);
    JsonObject j;
    j.integer("sent", sent).integer("received", received).integer("missed", missed).integer("bad", bad);
    j.num("frames_per_s", fps[u], 0).num("mb_per_s", fps[u] * bytes / 1e6, 1).array("frames_per_s_rounds", rounds_json);
    if (t == kRingLossless) {
      const double share = seconds_total > 0 ? 100.0 * stalled_seconds / seconds_total : 0;
      j.integer("writer_stalls", stalls).num("writer_stalled_percent", share, 1);
      fmt::print("  {:<18} the writer waited for the lossless reader {} times, {:.1f} % of the time\n", "", stalls, share);
    }
    json.object(kNames[u], j);
  }
  fmt::print("\n  median over rounds: {}\n",
             [&] {
               std::string line;
               for (int t = 0; t < kTransports; ++t) {
                 const auto u = static_cast<std::size_t>(t);
                 const double bytes = t <= kRingLossy ? o.frame_bytes : sizeof(Frame64);
                 line += fmt::format("{}{} {:.2f} M frames/s ({:.0f} MB/s)", line.empty() ? "" : "; ", kNames[u],
                                     fps[u] / 1e6, fps[u] * bytes / 1e6);
               }
               return line;
             }());
  for (const std::string& f : failures) fmt::print("FAILED: {}\n", f);

  // Ringside vs boost: the median of the per-round ratios (each round runs both
  // back to back, so a slow spell of the machine hits both alike).
  std::vector<double> ratios;
  for (std::size_t round = 0; round < per_round[kBoost].size(); ++round) {
    if (per_round[kBoost][round] > 0) ratios.push_back(per_round[kRingLossless][round] / per_round[kBoost][round]);
  }
  const double ratio = ratios.empty() ? std::nan("") : median(ratios);
  const bool measured = !ratios.empty() && fps[kRingLossless] > 0;
  const bool ratio_met = measured && ratio >= kTargetVsBoost;
  const bool rate_met = fps[kRingLossless] >= kTargetFramesPerSecond;
  fmt::print("\nringside (lossless) / boost: {:.2f}x frames/s, median of the rounds' ratios (target >= {:.1f}x: {}); "
             "ringside {:.1f} M frames/s (target >= {:.0f} M: {})\n",
             ratio, kTargetVsBoost, !measured ? "not evaluated" : ratio_met ? "met" : "NOT met", fps[kRingLossless] / 1e6,
             kTargetFramesPerSecond / 1e6, rate_met ? "met" : "NOT met");
  json.num("ringside_vs_boost", ratio, 3);
  JsonObject targets;
  targets.num("vs_boost_min", kTargetVsBoost, 1).num("frames_per_s_min", kTargetFramesPerSecond, 0);
  if (measured) {
    targets.boolean("vs_boost_met", ratio_met);
  } else {
    targets.raw("vs_boost_met", "null");
  }
  targets.boolean("frames_per_s_met", rate_met);
  json.object("targets", targets);
  json.strings("failures", failures);
  fmt::print("{}\n", json.text());
  return failures.empty() ? 0 : 1;
}

}  // namespace ringside::bench
