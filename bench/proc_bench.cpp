// ringside-bench proc --job NAME: input events/s of one processors job.
//
// Method: the engine's simulation (embedded default config: 24 symbols, 258
// agents) runs in max mode for --sim-seconds simulated seconds into a
// BufferSink, before anything is timed: the same frames, in the same order, as
// the engine's ring would carry. Then the stream is fed through a Pipeline
// holding only the job, frame by frame as ringside-proc's read loop does after
// check_frame (which is the runtime's cost, not the job's, and is left out),
// into a sink that counts the records. Each pass is a whole stream: bind(),
// every frame, end_of_stream(), so windows fire as in production. Passes
// repeat until --min-seconds of wall time; the figure is every frame of every
// pass (all types, as the runtime sees them; the job reads only its own) over
// the time of the passes. Most frames are of types a job does not read (trades
// are ~1 % of the engine's frames), so a second figure feeds the same stream
// filtered to the job's own types: its cost per event it actually processes.
// Pinned to one CPU.
#include "proc_bench.hpp"

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "affinity.hpp"
#include "json_line.hpp"
#include "ringside/core/embedded_config.hpp"
#include "ringside/engine/event_sink.hpp"
#include "ringside/engine/exchange.hpp"
#include "ringside/engine/simulation.hpp"
#include "ringside/processors/jobs.hpp"
#include "ringside/processors/pipeline.hpp"

namespace ringside::bench {
namespace {

constexpr double kTargetEventsPerSecond = 10'000'000;

// Counts records; touches each so that emitting one is not free.
class CountingRecordSink final : public processors::RecordSink {
 public:
  void emit(const FrameHeader& record) override {
    ++records;
    bytes += record.length;
  }
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
};

struct Options {
  std::string job = "aggregates";
  double sim_seconds = 600;
  double min_seconds = 2;
  int cpu = -1;
  std::uint64_t seed = 1;
};

// The state the job keeps, as "symbols x windows" (what grows with the config).
std::string state_size(const std::string& job, const processors::JobOptions& o, std::size_t symbols) {
  if (job == "aggregates") return fmt::format("{} symbols x {} window sizes", symbols, o.aggregates.windows_ns.size());
  if (job == "ofi") return fmt::format("{} symbols x {} window sizes", symbols, o.ofi.windows_ns.size());
  if (job == "alerts") return fmt::format("{} symbols x 1 baseline", symbols);
  if (job == "enrich") return fmt::format("{} symbols x 1 record template", symbols);
  return "stateless";
}

}  // namespace

int run_proc(int argc, char** argv) {
  Options o;
  CLI::App app{"ringside-bench proc: input events/s of one processors job (ringside-proc's Pipeline without the ring), "
               "fed an engine simulation recorded into memory, on one core"};
  std::string jobs = "jobs:";
  for (const processors::JobInfo& j : processors::job_catalogue()) jobs += fmt::format(" {}", j.name);
  app.add_option("--job", o.job, jobs)->capture_default_str();
  app.add_option("--sim-seconds", o.sim_seconds,
                 "simulated seconds of engine events to feed (max mode, default config)")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
  app.add_option("--min-seconds", o.min_seconds, "repeat whole-stream passes for at least this long")
      ->check(CLI::Range(0.01, 600.0))
      ->capture_default_str();
  app.add_option("--cpu", o.cpu, "CPU to pin to (-1: the first allowed)")->capture_default_str();
  app.add_option("--seed", o.seed, "simulation seed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const processors::JobOptions job_options;
  std::vector<std::unique_ptr<processors::Job>> jobs_list;
  try {
    jobs_list.push_back(processors::make_job(o.job, job_options));
  } catch (const std::invalid_argument& e) {
    return usage_error("proc", e.what());
  }
  const int cpu = o.cpu >= 0 ? o.cpu : (allowed_cpus().empty() ? 0 : allowed_cpus().front());
  const bool pinned = pin_to_cpu(cpu);

  // The input: the engine's simulation, recorded before timing.
  const ExchangeConfig config = embedded_default_config();
  engine::BufferSink buffer;
  {
    engine::Exchange exchange(config.symbols, buffer, engine::options_for(config));
    engine::SimulationOptions sim;
    sim.pacing = engine::Pacing::Max;
    sim.seed = o.seed;
    sim.duration_s = o.sim_seconds;
    engine::Simulation simulation(config, exchange, sim);
    const std::atomic<bool> stop{false};
    simulation.run(stop, engine::SimulationHooks{});
  }
  // Frames copied out so the pass reads a plain array, as a ring's data would be.
  const auto bytes = buffer.committed();
  std::vector<std::byte> stream(bytes.begin(), bytes.end());
  std::uint64_t frames = 0;
  std::uint64_t read_by_job = 0;
  for (std::size_t off = 0; off < stream.size();) {
    const auto& h = *reinterpret_cast<const FrameHeader*>(stream.data() + off);
    ++frames;
    if (jobs_list.front()->reads(h.type)) ++read_by_job;
    off += h.length;
  }
  if (frames == 0) return usage_error("proc", "the simulation produced no events");

  // The same frames less those the job does not read: its own cost per event,
  // without the runtime's dispatch skipping the rest.
  std::vector<std::byte> dense;
  for (std::size_t off = 0; off < stream.size();) {
    const auto& h = *reinterpret_cast<const FrameHeader*>(stream.data() + off);
    if (jobs_list.front()->reads(h.type)) dense.insert(dense.end(), stream.begin() + static_cast<std::ptrdiff_t>(off),
                                                       stream.begin() + static_cast<std::ptrdiff_t>(off + h.length));
    off += h.length;
  }

  processors::Pipeline pipeline(std::move(jobs_list), 5'000'000'000);
  CountingRecordSink sink;
  struct Timed {
    std::uint64_t passes = 0;
    double seconds = 0;
  };
  const auto time_passes = [&](const std::vector<std::byte>& frames_in) {
    Timed t;
    const auto started = std::chrono::steady_clock::now();
    do {
      pipeline.bind(config.symbols);
      pipeline.set_wall_time(1);
      for (std::size_t off = 0; off < frames_in.size();) {
        const auto& h = *reinterpret_cast<const FrameHeader*>(frames_in.data() + off);
        pipeline.process(h, sink);
        off += h.length;
      }
      pipeline.end_of_stream(sink);
      ++t.passes;
      t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    } while (t.seconds < o.min_seconds);
    return t;
  };
  const Timed full = time_passes(stream);
  const std::uint64_t passes = full.passes;
  const double elapsed = full.seconds;
  const std::uint64_t records_per_pass = sink.records / passes;
  const Timed only = dense.empty() ? Timed{} : time_passes(dense);
  const double dense_per_s = only.seconds > 0 ? static_cast<double>(read_by_job * only.passes) / only.seconds : 0;

  const std::uint64_t events = frames * passes;
  const double per_s = static_cast<double>(events) / elapsed;
  const bool met = per_s >= kTargetEventsPerSecond;
  const std::string state = state_size(o.job, job_options, config.symbols.size());
  fmt::print("proc --job {}: {} simulated s of the default config = {} frames ({} read by the job), {} passes\n",
             o.job, o.sim_seconds, frames, read_by_job, passes);
  fmt::print("  full stream: {:.2f} M input events/s ({:.1f} ns/event), {} records per pass, state {}{}\n", per_s / 1e6,
             1e9 / per_s, records_per_pass, state, pinned ? fmt::format(", cpu {}", cpu) : ", not pinned");
  fmt::print("  only the job's frames: {:.2f} M events/s ({:.1f} ns/event)\n", dense_per_s / 1e6,
             dense_per_s > 0 ? 1e9 / dense_per_s : 0.0);
  fmt::print("  target {:.0f} M input events/s: {} (only the job's frames: {})\n", kTargetEventsPerSecond / 1e6,
             met ? "met" : "NOT met", dense_per_s >= kTargetEventsPerSecond ? "met" : "NOT met");
  fmt::print("{}\n", JsonObject{}
                         .str("bench", "proc")
                         .str("job", o.job)
                         .integer("events", events)
                         .integer("frames_per_pass", frames)
                         .integer("read_by_job_per_pass", read_by_job)
                         .integer("records_per_pass", records_per_pass)
                         .integer("passes", passes)
                         .num("seconds", elapsed, 3)
                         .num("events_per_s", per_s, 0)
                         .num("job_frames_per_s", dense_per_s, 0)
                         .str("state", state)
                         .num("target_events_per_s", kTargetEventsPerSecond, 0)
                         .boolean("met", met)
                         .boolean("job_frames_met", dense_per_s >= kTargetEventsPerSecond)
                         .text());
  return 0;
}

}  // namespace ringside::bench
