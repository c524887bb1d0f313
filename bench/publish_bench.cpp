// ringside-bench publish: what one publish costs the writer (claim + fill +
// commit of a 64-byte frame), with 0, 1 and 4 lossy readers attached.
//
// Processes: per configuration, a writer process pinned to CPU W and the reader
// processes pinned to the reader CPUs (round robin), polling the ring with
// read() the whole time (readers that share a core yield to each other when the
// ring is empty, as ring-oneway's). Readers are attached and polling before the
// first measured publish.
// Each publish is timed alone: tsc_begin() (lfence; rdtsc; lfence) before the
// claim, tsc_end() (rdtscp; lfence) after the commit. The cost of an empty fenced
// pair (measured at start, its median) is subtracted from every sample; the
// TSC's resolution (printed) bounds how finely one sample can be read. The
// region covers what the writer's core executes; stores still in the store
// buffer at rdtscp are not charged unless the buffer fills (back-to-back mode).
// Pacing: publishes are spaced --gap-ns apart (each list entry is one
// configuration): 1000 ns is a busy feed (1M events/s) whose readers keep up and
// pull the cursor line to their core between publishes, so every commit must take
// it back; 0 is back to back, the store-buffer and memory-bandwidth bound.
// Warm-up: the first 10 % of publishes are not recorded. The ring (64 MiB) is
// pre-faulted and mlocked by RingWriter::create, so no publish takes a page fault.
// Target (issue): p99 <= 30 ns with 0, 1 and 4 lossy readers, at every pacing.
#include "publish_bench.hpp"

#include <fmt/format.h>
#include <sched.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "affinity.hpp"
#include "histogram.hpp"
#include "json_line.hpp"
#include "processes.hpp"
#include "ring_frames.hpp"
#include "ringside/shm/reader.hpp"
#include "ringside/shm/writer.hpp"
#include "tsc_clock.hpp"

namespace ringside::bench {
namespace {

constexpr double kTargetP99Ns = 30.0;
constexpr int kMaxReaders = 16;
constexpr std::uint32_t kFrameBytes = 64;

struct PublishShared {
  std::atomic<int> abort{0};
  std::atomic<int> readers_ready{0};
  std::atomic<int> writer_done{0};
  Histogram cost;  // ticks, overhead subtracted
  std::int64_t read_frames[kMaxReaders] = {};
  std::int64_t read_missed[kMaxReaders] = {};
  char backing[512] = {};
};

struct Options {
  std::vector<int> readers{0, 1, 4};
  std::vector<std::int64_t> gaps{1000, 0};
  std::int64_t frames = 2'000'000;
  std::vector<int> cpus{0, 1};
  std::uint64_t capacity_mib = 64;
  bool writer_prefetch = false;
};

struct Config {
  int readers;
  std::int64_t gap_ns;
  std::string name() const { return fmt::format("readers{}-gap{}ns", readers, gap_ns); }
  // A ring per configuration: a reader must never find the previous configuration's (closed) ring.
  std::string ring() const { return "publish-" + name(); }
};

struct Outcome {
  Config config;
  Percentiles cost;  // ns
  std::int64_t reader_frames = 0;
  std::int64_t reader_missed = 0;
  std::vector<std::string> failures;
  bool ok() const { return failures.empty() && cost.count > 0; }
};

int writer_main(PublishShared& sh, const TscClock& clock, const ClockOverheads& overheads, const Config& c,
                const Options& o) {
  prefault(&sh, sizeof sh);
  shm::CreateOptions create;
  create.capacity = o.capacity_mib << 20;
  create.lock_memory = true;
  shm::RingWriter w = shm::RingWriter::create(c.ring(), create);
  std::snprintf(sh.backing, sizeof sh.backing, "%s", shm::describe(w.backing()).c_str());
  if (!spin_wait_at_least(sh.readers_ready, c.readers, sh.abort,
                          std::chrono::steady_clock::now() + std::chrono::seconds(20))) {
    return 3;
  }
  const auto total = static_cast<std::uint64_t>(o.frames);
  const std::uint64_t warm = total / 10;
  const std::uint64_t gap = clock.ns_to_ticks(static_cast<double>(c.gap_ns));
  const auto overhead = static_cast<std::int64_t>(overheads.fenced_ticks);
  const std::uint64_t hard_stop = rdtsc() + clock.ns_to_ticks(60e9);
  std::uint64_t next = rdtsc() + gap;
  for (std::uint64_t i = 0; i < total; ++i) {
    if (gap != 0) {
      spin_until(next);
      next += gap;
    }
    const std::uint64_t t0 = tsc_begin();
    void* f = w.claim(kFrameBytes);
    fill_frame(f, kFrameBytes, i, 1);
    w.commit();
    if (o.writer_prefetch) {
      // Diagnostic: fetch the next frame's line for writing now, inside the timed region.
      __builtin_prefetch(w.ring().data + (w.position() & (w.capacity() - 1)), 1, 3);
    }
    const std::uint64_t t1 = tsc_end();
    if (i >= warm) sh.cost.record(static_cast<std::int64_t>(t1 - t0) - overhead);
    if ((i & 65535) == 0 && (sh.abort.load(std::memory_order_relaxed) != 0 || rdtsc() > hard_stop)) break;
  }
  sh.writer_done.store(1, std::memory_order_release);
  return 0;
}

int reader_main(PublishShared& sh, const Config& c, int index, bool yield) {
  prefault(&sh, sizeof sh);
  shm::ReaderOptions ro;
  ro.kind = shm::ReaderKind::Lossy;
  ro.start = shm::StartAt::Next;
  ro.wait_for_ring = std::chrono::milliseconds(20'000);
  ro.name = fmt::format("bench-publish-{}", index);
  shm::RingReader r = shm::RingReader::attach(c.ring(), ro);
  sh.readers_ready.fetch_add(1, std::memory_order_acq_rel);
  std::int64_t frames = 0;
  std::int64_t missed = 0;
  for (std::uint32_t spins = 0;;) {
    const shm::ReadResult got = r.read();
    if (got.status == shm::ReadStatus::Frame) {
      ++frames;
      missed += static_cast<std::int64_t>(got.missed);
      continue;
    }
    if (got.status != shm::ReadStatus::Empty) break;
    if (yield) ::sched_yield();
    if ((++spins & 1023) == 0 &&
        (sh.writer_done.load(std::memory_order_acquire) != 0 || sh.abort.load(std::memory_order_relaxed) != 0)) {
      break;
    }
  }
  sh.read_frames[index] = frames;
  sh.read_missed[index] = missed;
  return 0;
}

Outcome run_config(const TscClock& clock, const ClockOverheads& overheads, const Config& c, const Options& o,
                   std::string& backing) {
  Outcome out;
  out.config = c;
  Shared<PublishShared> sh;
  const std::vector<int> reader_cpus(o.cpus.begin() + 1, o.cpus.end());
  const bool yield = static_cast<std::size_t>(c.readers) > reader_cpus.size();
  {
    Children children;
    children.spawn("writer", o.cpus[0], [&] { return writer_main(*sh, clock, overheads, c, o); });
    for (int r = 0; r < c.readers; ++r) {
      children.spawn(fmt::format("reader {}", r), reader_cpus[static_cast<std::size_t>(r) % reader_cpus.size()],
                     [&, r] { return reader_main(*sh, c, r, yield); });
    }
    const double seconds = static_cast<double>(o.frames) * (static_cast<double>(c.gap_ns) + 100.0) / 1e9;
    children.wait_all(std::chrono::milliseconds(static_cast<long>(seconds * 2000 + 60'000)), &sh->abort);
    out.failures = children.failures();
    if (children.interrupted()) out.failures.push_back("interrupted");
  }
  out.cost = percentiles_of(sh->cost, clock.ticks_per_ns);
  for (int r = 0; r < c.readers; ++r) {
    out.reader_frames += sh->read_frames[r];
    out.reader_missed += sh->read_missed[r];
  }
  if (backing.empty()) backing = sh->backing;
  return out;
}

}  // namespace

int run_publish(int argc, char** argv) {
  CLI::App app{"ringside-bench publish: the writer's cost of one publish (claim + fill + commit of a 64-byte frame, "
               "fenced rdtsc around it) with 0, 1 and 4 polling lossy readers attached. Ends with one line of JSON."};
  app.name("ringside-bench publish");
  Options o;
  app.add_option("--readers", o.readers, "lossy reader counts, a list")->delimiter(',')->capture_default_str();
  app.add_option("--frames", o.frames, "publishes per configuration (the first 10 % not recorded)")
      ->check(CLI::Range(std::int64_t{10'000}, std::int64_t{1'000'000'000}))->capture_default_str();
  app.add_option("--gap-ns", o.gaps, "spacing between publishes, a list (0: back to back)")->delimiter(',')->capture_default_str();
  app.add_option("--cpus", o.cpus, "W,R[,R...]: the writer's CPU, then the readers'")->delimiter(',')->capture_default_str();
  app.add_option("--capacity-mib", o.capacity_mib, "ring data size in MiB")->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_flag("--writer-prefetch", o.writer_prefetch,
               "diagnostic: after each commit (inside the timed region) prefetch the next frame's line for writing");
  CLI11_PARSE(app, argc, argv);
  if (o.cpus.size() < 2) {
    return usage_error("publish", "--cpus needs a writer CPU and at least one reader CPU");
  }
  if (const std::string bad = check_cpus(o.cpus); !bad.empty()) {
    return usage_error("publish", bad);
  }
  for (const int r : o.readers) {
    if (r < 0 || r > kMaxReaders) {
      return usage_error("publish", fmt::format("--readers {}: use 0..{}", r, kMaxReaders));
    }
  }
  for (const std::int64_t g : o.gaps) {
    if (g < 0 || g > 1'000'000) {
      return usage_error("publish", fmt::format("--gap-ns {}: use 0..1000000", g));
    }
  }
  spdlog::set_level(spdlog::level::warn);

  const TscClock clock = TscClock::calibrate();
  const ClockOverheads overheads = measure_clock_overheads(clock);
  fmt::print("publish: writer on CPU {}, lossy readers on CPU(s) {}; {} publishes of {}-byte frames per configuration\n",
             o.cpus[0], fmt::format("{}", o.cpus[1]) + (o.cpus.size() > 2 ? ",..." : ""), o.frames, kFrameBytes);
  fmt::print("{}\n", describe(clock, overheads));
  fmt::print("cost = tsc_end() - tsc_begin() around claim + fill + commit, minus the empty pair's median ({:.1f} ns, "
             "{} ticks), in ns; samples are quantised by the TSC's {:.1f} ns resolution\n",
             overheads.fenced_ns, overheads.fenced_ticks, overheads.resolution_ns);

  ScratchRingDir ring_dir;
  std::vector<Outcome> outcomes;
  std::string backing;
  fmt::print("\n  {:>7} {:>8} {:>9} {:>7} {:>7} {:>7} {:>7} {:>8} {:>9}  {:>12} {:>10}\n", "readers", "gap ns", "samples",
             "p50", "p90", "p99", "p99.9", "p99.99", "max", "reader reads", "missed");
  bool interrupted = false;
  for (const std::int64_t gap : o.gaps) {
    for (const int readers : o.readers) {
      if (interrupted) break;
      outcomes.push_back(run_config(clock, overheads, {readers, gap}, o, backing));
      const Outcome& r = outcomes.back();
      const Percentiles& p = r.cost;
      fmt::print("  {:>7} {:>8} {:>9} {:>7.1f} {:>7.1f} {:>7.1f} {:>7.1f} {:>8.1f} {:>9.0f}  {:>12} {:>10}\n", readers, gap,
                 p.count, p.p50, p.p90, p.p99, p.p999, p.p9999, p.max, r.reader_frames, r.reader_missed);
      for (const std::string& f : r.failures) {
        fmt::print("    FAILED: {}\n", f);
        interrupted = interrupted || f == "interrupted";
      }
      std::fflush(stdout);
    }
  }
  fmt::print("ring backing: {}\n", backing);
  if (std::find(o.readers.begin(), o.readers.end(), 4) != o.readers.end() && o.cpus.size() == 2) {
    fmt::print("note: with one reader CPU, several readers share it (and yield to each other when the ring is empty)\n");
  }

  JsonObject json;
  json.str("bench", "publish").str("unit", "ns").str("clock", "tsc").num("tsc_mhz", clock.ticks_per_ns * 1e3, 3);
  json.num("overhead_subtracted_ns", overheads.fenced_ns).num("tsc_resolution_ns", overheads.resolution_ns);
  json.integer("frame_bytes", kFrameBytes).integer("capacity_mib", o.capacity_mib).boolean("writer_prefetch", o.writer_prefetch);
  JsonArray rows;
  bool all_met = true;
  bool all_ok = true;
  for (const Outcome& r : outcomes) {
    const Percentiles& p = r.cost;
    const bool met = r.ok() && p.p99 <= kTargetP99Ns;
    all_met = all_met && met;
    all_ok = all_ok && r.ok();
    JsonObject row;
    row.str("config", r.config.name()).integer("readers", r.config.readers).integer("gap_ns", r.config.gap_ns);
    row.integer("samples", p.count).num("p50", p.p50).num("p90", p.p90).num("p99", p.p99).num("p99_9", p.p999);
    row.num("p99_99", p.p9999).num("max", p.max).num("mean", p.mean);
    row.integer("reader_frames", r.reader_frames).integer("reader_missed", r.reader_missed).boolean("p99_met", met);
    row.strings("failures", r.failures);
    rows.object(row);
  }
  json.array("configs", rows);
  JsonObject targets;
  targets.num("p99_max_ns", kTargetP99Ns, 1).boolean("met", all_met && !outcomes.empty());
  json.object("targets", targets);
  json.boolean("all_ok", all_ok);
  fmt::print("\ntarget: publish p99 <= {:.0f} ns with every reader count and pacing: {}\n", kTargetP99Ns,
             all_met && !outcomes.empty() ? "met" : "NOT met");
  fmt::print("{}\n", json.text());
  return all_ok ? 0 : 1;
}

}  // namespace ringside::bench
