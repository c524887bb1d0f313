// ringside-bench ring-oneway: one-way latency from a ring writer to its readers,
// across processes, open loop, against the machine's core-to-core floor.
//
// Processes: per configuration, a writer process pinned to CPU W and N reader
// processes pinned to the reader CPUs (round robin over R...), all forked from
// this one, which only sleeps until they exit (no periodic wake-ups next to them).
// With 2 cores, several readers share one core and take turns on it: their
// latency then measures the scheduler as much as the ring, and the output says so.
//
// Open loop, no coordinated omission: event i has an intended send time fixed in
// advance, start + i / rate. The writer spins until that time, claims, fills and
// commits the frame, stamping the *intended* time into the frame (commit's
// publish_time_ns), never the time it actually sent. A reader records
// now - intended for every frame it receives. A writer that stalls (preempted, a
// page fault, a slow commit) therefore charges the stall to every event it
// delayed, as a real market data feed would see it; the writer's own lag behind
// its schedule is reported separately ("send lag").
//
// Warm-up: the first --warmup seconds of events are published but not recorded
// (their event_time_ns is 0). Readers attach before the first event and start at
// the next frame. Both sides take time from the calibrated TSC (tsc_clock.hpp),
// which is synchronised across cores here (c2c's stamped trips measure the offset).
//
// Results: per configuration, the percentiles of all readers' samples merged,
// each p50 and p99 as a multiple of the c2c floor measured just before that
// configuration (the host may move the VM's CPUs between placements whose floors
// differ fourfold; the floor is measured again after it, and a configuration
// during which it moved says so), and a percentile file in HdrHistogram's text
// format (values in ns) under --out. The last line of output is JSON.
#include "ring_oneway.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <limits.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "affinity.hpp"
#include "c2c.hpp"
#include "histogram.hpp"
#include "json_line.hpp"
#include "processes.hpp"
#include "ring_frames.hpp"
#include "ringside/shm/reader.hpp"
#include "ringside/shm/writer.hpp"
#include "tsc_clock.hpp"

namespace ringside::bench {
namespace {

// Targets (issue): at 100k events/s, one-way p50 <= 1.5x and p99 <= 3x the c2c floor.
constexpr double kTargetRate = 100'000;
constexpr double kTargetP50Ratio = 1.5;
constexpr double kTargetP99Ratio = 3.0;

constexpr int kMaxReaders = 16;

enum class IdleMode { Auto, Spin, Yield };
enum class PollMode { Read, Cursor };

struct ReaderOut {
  Histogram latency;  // ns, now - intended
  std::int64_t frames = 0;
  std::int64_t missed = 0;
  double empty_read_ns = 0;  // cost of one read() that finds nothing
  bool yielded = false;
};

struct OnewayShared {
  std::atomic<int> abort{0};
  std::atomic<int> readers_ready{0};
  std::atomic<int> writer_done{0};
  Histogram send_lag;  // ns the writer sent after the intended time
  std::int64_t published = 0;
  std::int64_t measured = 0;  // events past the warm-up
  bool fell_behind = false;   // the writer hit the hard deadline before its last event
  char backing[512] = {};
  ReaderOut readers[kMaxReaders];
};

struct Config {
  double rate;
  std::uint32_t frame_bytes;
  int readers;
  std::string name() const { return fmt::format("rate{}-frame{}-readers{}", static_cast<long long>(rate), frame_bytes, readers); }
};

struct Options {
  std::vector<double> rates{10'000, 100'000, 1'000'000};
  std::vector<std::uint32_t> frame_bytes{64, 256};
  std::vector<int> readers{1, 4};
  double duration = 3.0;
  double warmup = 0.25;
  std::vector<int> cpus{0, 1};
  std::string out;
  std::uint64_t capacity_mib = 64;
  std::string kind = "lossy";
  std::string idle = "auto";
  std::string poll = "read";
  std::int64_t c2c_iterations = 300'000;
  bool writer_prefetch = false;
};

struct Outcome {
  Config config;
  Percentiles latency;
  Percentiles send_lag;
  std::int64_t frames = 0;
  std::int64_t missed = 0;
  std::int64_t expected = 0;
  double empty_read_ns = 0;
  bool yielded = false;
  bool fell_behind = false;
  std::int64_t underflows = 0;
  std::vector<std::string> failures;
  std::string file;
  std::string backing;
  double floor_ns = 0;        // c2c floor just before this configuration
  double floor_after_ns = 0;  // and just after it
  bool ok() const { return failures.empty() && latency.count > 0; }
  // The floor moved by more than a quarter: the host changed the CPUs' placement
  // during the configuration, and its ratios mix two floors.
  bool floor_moved() const { return std::abs(floor_after_ns - floor_ns) > 0.25 * floor_ns; }
};

std::filesystem::path default_out_dir() {
  // Next to the build's bin/: build/bench-results/ring-oneway for build/bin/ringside-bench.
  char self[PATH_MAX] = {};
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) return std::filesystem::path(std::string(self, static_cast<std::size_t>(n))).parent_path().parent_path() / "bench-results" / "ring-oneway";
  return "build/bench-results/ring-oneway";
}

int writer_main(OnewayShared& sh, const TscClock& clock, const Config& c, const Options& o, const std::string& ring) {
  prefault(&sh, sizeof sh);
  shm::CreateOptions create;
  create.capacity = o.capacity_mib << 20;
  create.lock_memory = true;
  shm::RingWriter writer = shm::RingWriter::create(ring, create);
  std::snprintf(sh.backing, sizeof sh.backing, "%s", shm::describe(writer.backing()).c_str());

  const auto setup_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  if (!spin_wait_at_least(sh.readers_ready, c.readers, sh.abort, setup_deadline)) {
    std::fprintf(stderr, "writer: readers not ready (%d of %d)\n", sh.readers_ready.load(), c.readers);
    return 3;
  }
  const double ticks_per_event = clock.ticks_per_ns * 1e9 / c.rate;
  const auto warm_events = static_cast<std::uint64_t>(o.warmup * c.rate);
  const auto total_events = warm_events + static_cast<std::uint64_t>(o.duration * c.rate);
  const std::uint64_t start = rdtsc() + clock.ns_to_ticks(1e6);  // 1 ms from now
  // Hard stop: a writer that cannot keep up still ends (and says so).
  const std::uint64_t hard_stop = start + clock.ns_to_ticks((o.warmup + o.duration) * 1.5e9 + 2e9);
  std::uint64_t i = 0;
  for (; i < total_events; ++i) {
    const std::uint64_t intended = start + static_cast<std::uint64_t>(static_cast<double>(i) * ticks_per_event);
    // Known in advance: converted before the wait, so its arithmetic is not charged to the ring.
    const std::int64_t intended_ns = clock.to_ns(intended);
    const bool measured = i >= warm_events;
    const std::uint64_t now = spin_until(intended);
    void* frame = writer.claim(c.frame_bytes);
    fill_frame(frame, c.frame_bytes, i, measured ? intended_ns : 0);
    writer.commit(intended_ns);  // the intended time, never the actual one
    if (o.writer_prefetch) {
      // Diagnostic: ask for the next frame's lines for writing now, so their
      // fetch is not on the next event's path (RingWriter does not do this).
      const std::byte* next = writer.ring().data + (writer.position() & (writer.capacity() - 1));
      for (std::uint32_t off = 0; off < c.frame_bytes; off += 64) __builtin_prefetch(next + off, 1, 3);
    }
    if (measured) sh.send_lag.record(static_cast<std::int64_t>(clock.ticks_to_ns(static_cast<double>(now - intended))));
    if ((i & 1023) == 0) {
      if (sh.abort.load(std::memory_order_relaxed) != 0) break;
      if (now > hard_stop) {
        sh.fell_behind = true;
        break;
      }
      writer.heartbeat();
    }
  }
  sh.published = static_cast<std::int64_t>(i);
  sh.measured = i > warm_events ? static_cast<std::int64_t>(i - warm_events) : 0;
  // Release: a reader that sees writer_done sees every commit before it.
  sh.writer_done.store(1, std::memory_order_release);
  return 0;
}

// Diagnostic --poll frame: not the RingReader API. The reader spins on the next
// frame's own sequence field (zero until the writer commits it, in the ring's
// first lap) and reads the frame in place: what RingReader::read() does once it
// has caught up (shm/README.md, "Committed at a glance"), without its checks, so
// the lower bound of that protocol; valid only while the ring has not wrapped
// (checked by the caller).
int frame_poll_reader(OnewayShared& sh, const TscClock& clock, const shm::RingReader& reader, ReaderOut& out,
                      std::chrono::steady_clock::time_point deadline) {
  const std::byte* data = reader.ring().data;
  const std::uint64_t capacity = reader.ring().header->capacity;
  std::uint64_t position = reader.position();
  for (std::uint32_t idle = 0;;) {
    if (position + kMaxFrameLength > capacity) return 0;  // the end of the first lap
    const auto* frame = reinterpret_cast<const FrameHeader*>(data + position);
    // Commit writes the sequence, then publish_time_ns (same line): wait for both.
    if (__atomic_load_n(&frame->sequence, __ATOMIC_ACQUIRE) != 0 &&
        __atomic_load_n(&frame->publish_time_ns, __ATOMIC_ACQUIRE) != 0) {
      const std::uint64_t now = rdtsc();
      ++out.frames;
      if (frame->event_time_ns != 0) out.latency.record(clock.to_ns(now) - frame->publish_time_ns);
      position += frame->length;
      continue;
    }
    if ((++idle & 4095) == 0) {
      if (sh.writer_done.load(std::memory_order_acquire) != 0 || sh.abort.load(std::memory_order_relaxed) != 0) return 0;
      if (std::chrono::steady_clock::now() > deadline) return 5;
    }
  }
}

int reader_main(OnewayShared& sh, const TscClock& clock, const Options& o, const std::string& ring, int index, bool yield) {
  prefault(&sh, sizeof sh);  // no first-touch page faults on the histogram during the run
  ReaderOut& out = sh.readers[index];
  out.yielded = yield;
  shm::ReaderOptions ro;
  ro.kind = o.kind == "lossless" ? shm::ReaderKind::Lossless : shm::ReaderKind::Lossy;
  ro.start = shm::StartAt::Next;
  ro.wait_for_ring = std::chrono::milliseconds(20'000);
  ro.name = fmt::format("bench-oneway-{}", index);
  shm::RingReader reader = shm::RingReader::attach(ring, ro);

  // The cost of polling an empty ring, before anything is published: the median
  // of 21 batches of 1000 polls, so a preemption during one batch does not count.
  {
    constexpr int kBatches = 21;
    constexpr int kPolls = 1000;
    std::array<double, kBatches> batch{};
    for (double& b : batch) {
      const std::uint64_t t0 = tsc_begin();
      for (int k = 0; k < kPolls; ++k) (void)reader.read();
      const std::uint64_t t1 = tsc_end();
      b = clock.ticks_to_ns(static_cast<double>(t1 - t0)) / kPolls;
    }
    std::nth_element(batch.begin(), batch.begin() + kBatches / 2, batch.end());
    out.empty_read_ns = batch[kBatches / 2];
  }
  const bool cursor = o.poll == "cursor";
  const shm::RingHeader* header = reader.ring().header;
  sh.readers_ready.fetch_add(1, std::memory_order_acq_rel);

  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<long>((o.warmup + o.duration) * 1500 + 22'000));
  if (o.poll == "frame") return frame_poll_reader(sh, clock, reader, out, deadline);
  bool done_seen = false;
  std::uint32_t idle = 0;
  for (;;) {
    if (cursor) {
      // Diagnostic mode: spin on the publish cursor alone, call read() once it moved.
      while (header->write_position.load(std::memory_order_acquire) <= reader.position()) {
        if ((++idle & 4095) == 0 && (sh.writer_done.load(std::memory_order_acquire) != 0 ||
                                     sh.abort.load(std::memory_order_relaxed) != 0)) {
          break;
        }
        if (yield) ::sched_yield();
      }
    }
    const shm::ReadResult got = reader.read();
    if (got.status == shm::ReadStatus::Frame) {
      const std::uint64_t now = rdtsc();
      ++out.frames;
      out.missed += static_cast<std::int64_t>(got.missed);
      if (got.frame->event_time_ns != 0) out.latency.record(clock.to_ns(now) - got.frame->publish_time_ns);
      continue;
    }
    if (got.status != shm::ReadStatus::Empty) break;  // closed, dead, evicted: the run is over for this reader
    if (done_seen) break;                             // drained after the writer's last commit
    if (sh.writer_done.load(std::memory_order_acquire) != 0) {
      done_seen = true;  // read once more: everything committed before `done` is visible now
      continue;
    }
    if (yield) ::sched_yield();
    if ((++idle & 4095) == 0) {
      if (sh.abort.load(std::memory_order_relaxed) != 0) return 4;
      if (std::chrono::steady_clock::now() > deadline) {
        std::fprintf(stderr, "reader %d: no end of run before the deadline\n", index);
        return 5;
      }
    }
  }
  return 0;
}

Outcome run_config(const TscClock& clock, const Config& c, const Options& o, const std::filesystem::path& out_dir,
                   int index) {
  Outcome result;
  result.config = c;
  Shared<OnewayShared> sh;
  const std::string ring = fmt::format("oneway-{}", index);
  const int writer_cpu = o.cpus[0];
  const std::vector<int> reader_cpus(o.cpus.begin() + 1, o.cpus.end());
  const bool crowded = static_cast<std::size_t>(c.readers) > reader_cpus.size();
  const bool yield = o.idle == "yield" || (o.idle == "auto" && crowded);
  {
    Children children;
    children.spawn("writer", writer_cpu, [&] { return writer_main(*sh, clock, c, o, ring); });
    for (int r = 0; r < c.readers; ++r) {
      const int cpu = reader_cpus[static_cast<std::size_t>(r) % reader_cpus.size()];
      children.spawn(fmt::format("reader {}", r), cpu, [&, r] { return reader_main(*sh, clock, o, ring, r, yield); });
    }
    const auto timeout = std::chrono::milliseconds(static_cast<long>((o.warmup + o.duration) * 1500 + 30'000));
    children.wait_all(timeout, &sh->abort);
    result.failures = children.failures();
    if (children.interrupted()) result.failures.push_back("interrupted");
  }
  Histogram merged;
  for (int r = 0; r < c.readers; ++r) {
    const ReaderOut& ro = sh->readers[r];
    merged.add(ro.latency);
    result.frames += ro.frames;
    result.missed += ro.missed;
    if (r == 0) result.empty_read_ns = ro.empty_read_ns;  // the first reader's: it polled alone on its core
    result.yielded = result.yielded || ro.yielded;
  }
  result.latency = percentiles_of(merged);
  result.underflows = merged.underflows();
  result.send_lag = percentiles_of(sh->send_lag);
  result.expected = sh->measured * c.readers;
  result.fell_behind = sh->fell_behind;
  result.backing = sh->backing;

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  const std::filesystem::path file = out_dir / (c.name() + ".hgrm");
  if (std::FILE* f = std::fopen(file.c_str(), "w"); f != nullptr) {
    merged.write_percentile_distribution(f, 1.0);
    std::fclose(f);
    result.file = file.string();
  } else {
    result.failures.push_back(fmt::format("cannot write {}: {}", file.string(), std::strerror(errno)));
  }
  return result;
}

void print_header_row() {
  fmt::print("  {:>8} {:>5} {:>4} {:>6} {:>9} {:>6} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}  {:>6} {:>6} {:>6}  {:>8}\n",
             "rate/s", "bytes", "rdrs", "idle", "samples", "missed", "p50", "p90", "p99", "p99.9", "p99.99", "max", "floor",
             "p50/fl", "p99/fl", "lag p99");
}

void print_row(const Outcome& r) {
  const Percentiles& p = r.latency;
  fmt::print("  {:>8} {:>5} {:>4} {:>6} {:>9} {:>6} {:>8.0f} {:>8.0f} {:>8.0f} {:>8.0f} {:>9.0f} {:>9.0f}  {:>6.0f} {:>6.2f} {:>6.2f}  {:>8.0f}\n",
             static_cast<long long>(r.config.rate), r.config.frame_bytes, r.config.readers, r.yielded ? "yield" : "spin",
             p.count, r.missed, p.p50, p.p90, p.p99, p.p999, p.p9999, p.max, r.floor_ns, p.p50 / r.floor_ns,
             p.p99 / r.floor_ns, r.send_lag.p99);
  if (r.floor_moved()) {
    fmt::print("    the floor moved from {:.0f} to {:.0f} ns during this configuration (the host moved the CPUs): its "
               "ratios mix two placements\n",
               r.floor_ns, r.floor_after_ns);
  }
  for (const std::string& f : r.failures) fmt::print("    FAILED: {}\n", f);
  if (r.fell_behind) fmt::print("    the writer fell behind its schedule and stopped at the hard deadline\n");
  if (r.underflows > 0) fmt::print("    {} samples were negative (TSC offset between cores?) and recorded as 0\n", r.underflows);
}

}  // namespace

int run_ring_oneway(int argc, char** argv) {
  CLI::App app{"ringside-bench ring-oneway: open-loop one-way latency from a ring writer to reader processes, "
               "intended-time stamped (no coordinated omission), against the c2c floor of the same run. "
               "Ends with one line of JSON."};
  app.name("ringside-bench ring-oneway");
  Options o;
  app.add_option("--rates", o.rates, "events per second, a list")->delimiter(',')->capture_default_str();
  app.add_option("--frame-bytes", o.frame_bytes, "frame sizes, a list (64, or 48 + 16k up to 2096)")
      ->delimiter(',')->capture_default_str();
  app.add_option("--readers", o.readers, "reader process counts, a list")->delimiter(',')->capture_default_str();
  app.add_option("--duration", o.duration, "measured seconds per configuration")->check(CLI::Range(0.01, 600.0))->capture_default_str();
  app.add_option("--warmup", o.warmup, "seconds published first and not recorded")->check(CLI::Range(0.0, 60.0))->capture_default_str();
  app.add_option("--cpus", o.cpus, "W,R[,R...]: the writer's CPU, then the readers' (round robin)")
      ->delimiter(',')->capture_default_str();
  app.add_option("--out", o.out, "directory for the percentile files (default: <build>/bench-results/ring-oneway)");
  app.add_option("--capacity-mib", o.capacity_mib, "ring data size in MiB")->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_option("--reader-kind", o.kind, "lossy or lossless")->check(CLI::IsMember({"lossy", "lossless"}))->capture_default_str();
  app.add_option("--reader-idle", o.idle,
                 "what a reader does when the ring is empty: spin, yield (sched_yield), or auto (yield only when "
                 "readers outnumber their CPUs)")
      ->check(CLI::IsMember({"auto", "spin", "yield"}))->capture_default_str();
  app.add_option("--poll", o.poll,
                 "read: poll with read() (the API); diagnostics: cursor: spin on the header's write_position and call "
                 "read() once it moves (isolates the cost of read() on an empty ring); frame: spin on the next frame's "
                 "sequence field and read it in place, bypassing the API (what read() does once caught up, without "
                 "its checks: the lower bound of that protocol; first lap of the ring only)")
      ->check(CLI::IsMember({"read", "cursor", "frame"}))->capture_default_str();
  app.add_flag("--writer-prefetch", o.writer_prefetch,
               "diagnostic: after each commit the writer prefetches the next frame's cache lines for writing");
  app.add_option("--c2c-iterations", o.c2c_iterations, "round trips of the c2c floor measurement")
      ->check(CLI::Range(std::int64_t{1000}, std::int64_t{100'000'000}))->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (o.cpus.size() < 2) {
    return usage_error("ring-oneway", "--cpus needs a writer CPU and at least one reader CPU");
  }
  if (const std::string bad = check_cpus(o.cpus); !bad.empty()) {
    return usage_error("ring-oneway", bad);
  }
  for (const std::uint32_t b : o.frame_bytes) {
    if (!valid_frame_bytes(b)) {
      return usage_error("ring-oneway", fmt::format("--frame-bytes {}: use 64 or 48 + 16k (64..2096)", b));
    }
  }
  for (const int r : o.readers) {
    if (r < 1 || r > kMaxReaders) {
      return usage_error("ring-oneway", fmt::format("--readers {}: use 1..{}", r, kMaxReaders));
    }
  }
  for (const double rate : o.rates) {
    if (!(rate >= 1 && rate <= 50e6)) {
      return usage_error("ring-oneway", fmt::format("--rates {}: use 1..50000000", rate));
    }
  }
  if (o.poll == "frame") {
    for (const double rate : o.rates) {
      for (const std::uint32_t b : o.frame_bytes) {
        if ((o.warmup + o.duration) * rate * b * 1.5 > static_cast<double>(o.capacity_mib << 20)) {
          return usage_error("ring-oneway", fmt::format("--poll frame needs a ring that does not wrap: {:.0f} events/s of "
                                                        "{} bytes for {:.2f} s need more than {} MiB (--capacity-mib)",
                                                        rate, b, o.warmup + o.duration, o.capacity_mib));
        }
      }
    }
  }
  const std::filesystem::path out_dir = o.out.empty() ? default_out_dir() : std::filesystem::path(o.out);
  spdlog::set_level(spdlog::level::warn);  // ring creation logs at info; this output is the report

  const TscClock clock = TscClock::calibrate();
  const ClockOverheads overheads = measure_clock_overheads(clock);
  fmt::print("ring-oneway: writer on CPU {}, readers on CPU(s) {}; {} readers, open loop, intended-time stamps\n",
             o.cpus[0], fmt::join(o.cpus.begin() + 1, o.cpus.end(), ","), o.kind);
  fmt::print("{}\n", describe(clock, overheads));
  fmt::print("latency = reader's TSC at read() returning the frame - the event's intended send time (both TSC, "
             "converted to ns); includes one rdtsc ({:.1f} ns) and the TSC's {:.1f} ns resolution\n",
             overheads.rdtsc_ns, overheads.resolution_ns);

  const C2cResult c2c = measure_c2c(clock, o.cpus[0], o.cpus[1], o.c2c_iterations);
  print_c2c(c2c);
  fmt::print("jitter: what the machine takes from a pinned spinning thread, all CPUs of the run at once, 1 s\n");
  std::vector<int> distinct_cpus = o.cpus;
  std::sort(distinct_cpus.begin(), distinct_cpus.end());
  distinct_cpus.erase(std::unique(distinct_cpus.begin(), distinct_cpus.end()), distinct_cpus.end());
  const std::vector<Jitter> jitter = measure_jitter(clock, distinct_cpus, 1.0);
  print_jitter(jitter);
  double lost = 0;
  for (const Jitter& j : jitter) lost = std::max(lost, j.lost_percent);
  if (lost > 0.5) {
    fmt::print("  note: {:.1f} % of a CPU's time goes to interruptions here; open-loop p99 and beyond fall inside those "
               "gaps whatever the ring does (when > 1 %, p99 is the length of a typical gap)\n",
               lost);
  }
  const double floor = c2c.error.empty() ? c2c.floor_ns() : std::nan("");

  std::vector<Config> configs;
  for (const double rate : o.rates)
    for (const std::uint32_t bytes : o.frame_bytes)
      for (const int readers : o.readers) configs.push_back({rate, bytes, readers});

  const std::size_t reader_cpu_count = o.cpus.size() - 1;
  bool shared_note = false;
  for (const Config& c : configs) shared_note = shared_note || static_cast<std::size_t>(c.readers) > reader_cpu_count;
  fmt::print("\n{} configurations, {:.2f} s warm-up + {:.2f} s measured each; percentile files in {}\n", configs.size(),
             o.warmup, o.duration, out_dir.string());
  if (shared_note) {
    fmt::print("note: {} reader CPU(s) on this machine's {} cores: with more readers than that, readers share a core "
               "and take turns, so their latency includes scheduling (idle=yield: a reader with nothing to read "
               "yields the core to the next)\n",
               reader_cpu_count, allowed_cpus().size());
  }
  fmt::print("one-way latency, ns (floor: c2c floor measured just before the configuration; p50/fl, p99/fl: multiples "
             "of it; lag: writer's send lag behind schedule)\n");
  print_header_row();

  // The floor around each configuration: a short c2c (a third of the first one's
  // round trips), falling back on the first when it fails.
  const auto floor_now = [&] {
    const C2cResult again = measure_c2c(clock, o.cpus[0], o.cpus[1], std::max<std::int64_t>(1000, o.c2c_iterations / 3));
    return again.error.empty() ? again.floor_ns() : floor;
  };
  ScratchRingDir ring_dir;
  std::vector<Outcome> outcomes;
  bool interrupted = false;
  std::string backing;
  for (std::size_t i = 0; i < configs.size() && !interrupted; ++i) {
    const double before = floor_now();
    outcomes.push_back(run_config(clock, configs[i], o, out_dir, static_cast<int>(i)));
    outcomes.back().floor_ns = before;
    outcomes.back().floor_after_ns = floor_now();
    print_row(outcomes.back());
    std::fflush(stdout);
    if (backing.empty()) backing = outcomes.back().backing;
    for (const std::string& f : outcomes.back().failures) interrupted = interrupted || f == "interrupted";
  }
  if (!backing.empty()) fmt::print("ring backing: {}\n", backing);
  std::vector<double> empty_reads;
  for (const Outcome& r : outcomes) empty_reads.push_back(r.empty_read_ns);
  std::sort(empty_reads.begin(), empty_reads.end());
  const double empty_read = empty_reads.empty() ? 0.0 : empty_reads[empty_reads.size() / 2];
  fmt::print("a reader's read() on an empty ring costs {:.1f} ns (median over configurations; the polling period "
             "when nothing is published)\n",
             empty_read);

  // Targets: at 100k/s; the headline is 64-byte frames and 1 reader when measured.
  const Outcome* headline = nullptr;
  for (const Outcome& r : outcomes) {
    if (r.config.rate != kTargetRate || !r.ok()) continue;
    const bool best = r.config.frame_bytes == 64 && r.config.readers == 1;
    if (headline == nullptr || best) headline = &r;
    if (best) break;
  }

  JsonObject json;
  json.str("bench", "ring-oneway").str("unit", "ns").str("clock", "tsc").num("tsc_mhz", clock.ticks_per_ns * 1e3, 3);
  json.num("rdtsc_ns", overheads.rdtsc_ns).num("tsc_resolution_ns", overheads.resolution_ns);
  json.str("reader_kind", o.kind).str("poll", o.poll).integer("capacity_mib", o.capacity_mib);
  json.boolean("writer_prefetch", o.writer_prefetch);
  json.integer("writer_cpu", o.cpus[0]).num("duration_s", o.duration, 2).num("warmup_s", o.warmup, 2);
  json.num("empty_read_ns", empty_read);
  JsonObject c2c_json;
  add_c2c_fields(c2c_json, c2c);
  json.object("c2c", c2c_json);
  json.array("jitter", jitter_json(jitter));
  JsonArray rows;
  bool all_ok = true;
  for (const Outcome& r : outcomes) {
    all_ok = all_ok && r.ok();
    const Percentiles& p = r.latency;
    JsonObject row;
    row.str("config", r.config.name()).num("rate", r.config.rate, 0).integer("frame_bytes", r.config.frame_bytes);
    row.integer("readers", r.config.readers).str("reader_idle", r.yielded ? "yield" : "spin");
    row.integer("samples", p.count).integer("expected", r.expected).integer("missed", r.missed);
    row.num("p50", p.p50).num("p90", p.p90).num("p99", p.p99).num("p99_9", p.p999).num("p99_99", p.p9999).num("max", p.max);
    row.num("mean", p.mean).num("floor_ns", r.floor_ns).num("floor_after_ns", r.floor_after_ns);
    row.boolean("floor_moved", r.floor_moved());
    row.num("p50_vs_c2c", p.p50 / r.floor_ns, 2).num("p99_vs_c2c", p.p99 / r.floor_ns, 2);
    row.num("send_lag_p50", r.send_lag.p50).num("send_lag_p99", r.send_lag.p99).num("send_lag_max", r.send_lag.max);
    row.boolean("fell_behind", r.fell_behind).str("file", r.file);
    row.strings("failures", r.failures);
    rows.object(row);
  }
  json.array("configs", rows);
  JsonObject targets;
  targets.num("rate", kTargetRate, 0).num("p50_max_vs_c2c", kTargetP50Ratio, 2).num("p99_max_vs_c2c", kTargetP99Ratio, 2);
  if (headline != nullptr && std::isfinite(headline->floor_ns)) {
    const double p50r = headline->latency.p50 / headline->floor_ns;
    const double p99r = headline->latency.p99 / headline->floor_ns;
    targets.str("config", headline->config.name()).num("floor_ns", headline->floor_ns);
    targets.boolean("floor_moved", headline->floor_moved());
    targets.num("p50_vs_c2c", p50r, 2).num("p99_vs_c2c", p99r, 2);
    targets.boolean("p50_met", p50r <= kTargetP50Ratio).boolean("p99_met", p99r <= kTargetP99Ratio);
    fmt::print("\ntarget at {:.0f} events/s ({}, floor {:.0f} ns{}): p50 {:.2f}x the floor (target <= {:.1f}x): {}; "
               "p99 {:.2f}x (target <= {:.1f}x): {}\n",
               kTargetRate, headline->config.name(), headline->floor_ns,
               headline->floor_moved() ? fmt::format(", {:.0f} ns after: it moved", headline->floor_after_ns) : "",
               p50r, kTargetP50Ratio, p50r <= kTargetP50Ratio ? "met" : "NOT met", p99r, kTargetP99Ratio,
               p99r <= kTargetP99Ratio ? "met" : "NOT met");
  } else {
    targets.str("config", "").raw("p50_met", "null").raw("p99_met", "null");
    fmt::print("\ntarget at {:.0f} events/s: not evaluated (no successful configuration at that rate, or no c2c floor)\n",
               kTargetRate);
  }
  json.object("targets", targets);
  json.boolean("all_ok", all_ok);
  fmt::print("{}\n", json.text());
  return all_ok ? 0 : 1;
}

}  // namespace ringside::bench
