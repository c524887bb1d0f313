#include "ringside/engine/engine_cli.hpp"

#include <CLI/CLI.hpp>
#include <numa.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "ringside/core/config.hpp"
#include "ringside/core/embedded_config.hpp"
#include "ringside/core/order_file.hpp"
#include "ringside/engine/event_sink.hpp"
#include "ringside/engine/exchange.hpp"
#include "ringside/engine/order_entry_server.hpp"
#include "ringside/engine/order_replay.hpp"
#include "ringside/engine/simulation.hpp"
#include "ringside/shm/ring_file.hpp"
#include "ringside/shm/order_entry_client.hpp"
#include "ringside/shm/writer.hpp"

namespace ringside::engine {
namespace {

std::atomic<bool> g_stop{false};

void on_stop_signal(int) { g_stop.store(true, std::memory_order_relaxed); }

struct Args {
  std::string config;
  std::string ring = "events";
  std::uint64_t seed = 1;
  double duration = 0;
  int cpu = -1;
  bool fifo = false;
  int fifo_priority = 50;
  std::string mode = "realtime";
  bool market_hours = false;
  bool no_agents = false;
  bool no_order_entry = false;
  bool no_breakers = false;
  std::string output;
  std::string orders;
  std::uint64_t ring_mib = 256;
  double status_interval = 5;
  std::string backing = "auto";
};

// Pins the calling (matching) thread, optionally SCHED_FIFO, and locks memory.
// Returns a one-line summary of what took effect.
std::string pin_and_lock(const Args& a) {
  std::string summary;
  if (a.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(static_cast<std::size_t>(a.cpu), &set);
    const int rc = ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
    summary += rc == 0 ? "cpu " + std::to_string(a.cpu) : "cpu " + std::to_string(a.cpu) + " refused (" + std::strerror(rc) + ")";
  } else {
    summary += "cpu unpinned (now on " + std::to_string(::sched_getcpu()) + ")";
  }
  if (a.fifo) {
    sched_param p{};
    p.sched_priority = a.fifo_priority;
    const int rc = ::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &p);
    summary += rc == 0 ? ", policy SCHED_FIFO " + std::to_string(a.fifo_priority)
                       : std::string(", SCHED_FIFO refused (") + std::strerror(rc) + "), policy SCHED_OTHER";
  } else {
    summary += ", policy SCHED_OTHER";
  }
  // Everything mapped now and later stays resident: no page fault on the matching path.
  if (::mlockall(MCL_CURRENT | MCL_FUTURE) == 0) {
    summary += ", memory locked";
  } else {
    summary += std::string(", mlockall failed (") + std::strerror(errno) + "; raise LimitMEMLOCK)";
  }
  const int cpu = ::sched_getcpu();
  if (numa_available() >= 0 && cpu >= 0) summary += ", NUMA node " + std::to_string(numa_node_of_cpu(cpu));
  return summary;
}

long peak_rss_mib() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

int run_batch(const Args& a, const ExchangeConfig& config, EventSink& sink) {
  OrderFile file = [&] {
    try {
      return read_order_file(a.orders);
    } catch (const std::exception& e) {
      throw CLI::ValidationError("--orders", e.what());
    }
  }();
  ExchangeOptions options = options_for(config);
  options.circuit_breakers = !a.no_breakers;
  options.snapshot_interval_ticks = 0;  // a replay has no ticks
  options.stats_interval_ticks = 0;
  Exchange exchange(file.symbols, sink, options);
  spdlog::info("batch: replaying {} ({} frames, {} symbols), agents off", a.orders, file.count, file.symbols.size());
  const auto started = std::chrono::steady_clock::now();
  auto last_status = started;
  const ReplayReport report = replay_order_file(file, exchange, 0, [&](const ReplayReport& r) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_status < std::chrono::seconds(1) && r.frames != file.count) return;
    last_status = now;
    spdlog::info("batch: {}/{} frames ({:.0f}%), {} rejected", r.frames, file.count,
                 file.count == 0 ? 100.0 : 100.0 * static_cast<double>(r.frames) / static_cast<double>(file.count),
                 r.rejected);
  });
  for (const Instrument& s : exchange.symbols()) exchange.book(s.id).publish_stats(report.last_event_ns);
  exchange.commit();
  std::printf(
      "{\"event\":\"batch_done\",\"frames\":%llu,\"orders\":%llu,\"cancels\":%llu,\"reduces\":%llu,\"rejected\":%llu,"
      "\"filled_quantity\":%llu,\"seconds\":%.3f,\"frames_per_s\":%.0f,\"peak_rss_mib\":%ld}\n",
      static_cast<unsigned long long>(report.frames), static_cast<unsigned long long>(report.orders),
      static_cast<unsigned long long>(report.cancels), static_cast<unsigned long long>(report.reduces),
      static_cast<unsigned long long>(report.rejected), static_cast<unsigned long long>(report.filled_quantity),
      report.seconds, report.seconds > 0 ? static_cast<double>(report.frames) / report.seconds : 0.0, peak_rss_mib());
  return 0;
}

int run_simulation(const Args& a, const ExchangeConfig& config, EventSink& sink, shm::RingWriter* ring) {
  Pacing pacing{};
  parse_pacing(a.mode, pacing);
  ExchangeOptions options = options_for(config);
  options.circuit_breakers = !a.no_breakers;
  Exchange exchange(config.symbols, sink, options);
  SimulationOptions sim;
  sim.pacing = pacing;
  sim.seed = a.seed;
  sim.duration_s = a.duration;
  sim.market_hours = a.market_hours;
  sim.agents = !a.no_agents;
  Simulation simulation(config, exchange, sim);
  std::optional<OrderEntryServer> order_entry;
  if (!a.no_order_entry && pacing != Pacing::Max) order_entry.emplace(exchange);

  spdlog::info("engine: {} symbols, {} agents, tick {} ms, mode {}{}, seed {}, {}", config.symbols.size(),
               simulation.agent_count(), config.simulation.tick_interval_ms, to_string(pacing),
               a.market_hours ? " with market hours" : "", a.seed,
               a.duration > 0 ? fmt::format("{} s", a.duration) : std::string("until stopped"));
  if (order_entry) {
    spdlog::info("engine: order entry open: clients create ring '{}NAME' in {} (see `ringside orders --help`)",
                 shm::kOrdersRingPrefix, shm::ring_directory().string());
  }

  const auto total_trades = [&] {
    std::uint64_t n = 0;
    for (const Instrument& s : exchange.symbols()) n += exchange.book(s.id).stats().trade_count;
    return n;
  };
  const auto started = std::chrono::steady_clock::now();
  auto last_status = started;
  const auto status_every = std::chrono::duration<double>(a.status_interval);
  std::uint64_t last_sequence = 0;
  SimulationHooks hooks;
  hooks.every_tick = [&](std::uint64_t tick, std::int64_t now_ns) {
    if (ring != nullptr) ring->heartbeat();
    if (order_entry) order_entry->discover();  // a directory scan per tick, never per event
    const auto wall = std::chrono::steady_clock::now();
    if (a.status_interval > 0 && wall - last_status >= status_every) {
      const double secs = std::chrono::duration<double>(wall - last_status).count();
      const std::uint64_t seq = ring != nullptr ? ring->next_sequence() - 1 : 0;
      spdlog::info("engine: tick {} ({:.0f} s simulated{}), {} resting orders, {} trades, {} clients{}", tick,
                   static_cast<double>(tick) * static_cast<double>(simulation.tick_interval_ns()) / 1e9,
                   a.market_hours ? fmt::format(", {}", market_period(now_ns)) : std::string(),
                   exchange.orders_in_use(), total_trades(), order_entry ? order_entry->clients() : 0,
                   ring != nullptr ? fmt::format(", {:.0f} events/s", static_cast<double>(seq - last_sequence) / secs)
                                   : std::string());
      last_sequence = seq;
      last_status = wall;
    }
  };
  hooks.schedule_moved = [](std::uint64_t tick, std::int64_t late_ns) {
    // Between ticks, only after a lag of over kMaxCatchUpNs: not on any per-event path.
    spdlog::warn("engine: tick {} is {:.2f} s late (held by a lossless reader, or stopped); resuming from now "
                 "instead of running the missed ticks back to back",
                 tick, static_cast<double>(late_ns) / 1e9);
  };
  if (order_entry) {
    hooks.between_ticks = [&](std::int64_t now_ns) { return order_entry->poll(now_ns); };
    hooks.spin_between_ticks = [&] { return order_entry->clients() > 0; };
  }
  simulation.run(g_stop, hooks);

  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::uint64_t trades = total_trades();
  const auto* file = dynamic_cast<const FileSink*>(&sink);
  const std::uint64_t events = ring != nullptr ? ring->next_sequence() - 1 : file != nullptr ? file->frames() : 0;
  std::printf(
      "{\"event\":\"engine_done\",\"mode\":\"%s\",\"ticks\":%llu,\"simulated_s\":%.1f,\"wall_s\":%.3f,"
      "\"not_made_up_s\":%.3f,\"events\":%llu,"
      "\"trades\":%llu,\"resting_orders\":%zu,\"order_entry_requests\":%llu,\"peak_rss_mib\":%ld}\n",
      std::string(to_string(pacing)).c_str(), static_cast<unsigned long long>(simulation.ticks()),
      static_cast<double>(simulation.ticks()) * static_cast<double>(simulation.tick_interval_ns()) / 1e9, secs,
      static_cast<double>(simulation.time_not_made_up_ns()) / 1e9, static_cast<unsigned long long>(events),
      static_cast<unsigned long long>(trades), exchange.orders_in_use(),
      static_cast<unsigned long long>(order_entry ? order_entry->stats().requests : 0), peak_rss_mib());
  std::fflush(stdout);
  return 0;
}

}  // namespace

int run_engine_cli(int argc, char** argv) {
  Args a;
  CLI::App app{
      "ringside-engine: the simulated exchange. Matches orders from the simulated agents and order-entry "
      "clients and publishes every event once into the live ring."};
  app.add_option("--config", a.config, "exchange TOML (seeds/000 section 2.5); default: the embedded config/default.toml")
      ->check(CLI::ExistingFile);
  app.add_option("--ring", a.ring, "name of the live ring to create in $RINGSIDE_SHM_DIR (default /dev/shm/ringside)")
      ->capture_default_str();
  app.add_option("--seed", a.seed, "seed of every random decision")->capture_default_str();
  app.add_option("--duration", a.duration, "stop after this many simulated seconds (0: until Ctrl-C)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--cpu", a.cpu, "pin the matching thread to this CPU")->check(CLI::NonNegativeNumber);
  app.add_flag("--fifo", a.fifo, "run the matching thread SCHED_FIFO (needs CAP_SYS_NICE)");
  app.add_option("--fifo-priority", a.fifo_priority, "SCHED_FIFO priority")->check(CLI::Range(1, 99))->capture_default_str();
  app.add_option("--mode", a.mode, "pacing: realtime, burst (10-50x bursts) or max (as fast as possible, simulated time)")
      ->check(CLI::IsMember({"realtime", "burst", "max"}))
      ->capture_default_str();
  app.add_flag("--market-hours", a.market_hours, "scale activity by the US market-hours profile (Eastern time)");
  app.add_flag("--no-agents", a.no_agents, "no simulated agents (order entry only)");
  app.add_flag("--no-order-entry", a.no_order_entry, "do not accept order-entry clients");
  app.add_flag("--no-circuit-breakers", a.no_breakers, "never halt trading");
  app.add_option("--output", a.output, "write frames to this file instead of a ring (sequence numbered, publish time 0)");
  app.add_option("--orders", a.orders, "batch mode: replay this order file with agents off, as fast as possible, then exit")
      ->check(CLI::ExistingFile);
  app.add_option("--ring-mib", a.ring_mib, "live ring data size in MiB (a power of two)")->capture_default_str();
  app.add_option("--backing", a.backing, "ring backing: auto (hugetlbfs when pages are free), huge or shm")
      ->check(CLI::IsMember({"auto", "huge", "shm"}))
      ->capture_default_str();
  app.add_option("--status-interval", a.status_interval, "seconds between status lines (0: none)")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  // Logs to stderr; stdout carries only the closing JSON line, for scripts.
  spdlog::set_default_logger(spdlog::stderr_color_mt("engine"));
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v");
  try {
    const ExchangeConfig config = a.config.empty() ? embedded_default_config() : load_exchange_config(a.config);
    if (a.orders.empty() && !a.no_agents && config.agents.total() == 0) {
      spdlog::warn("engine: the config has no agents: only order-entry clients will trade");
    }
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);

    // The ring (or file) first, then pinning: the ring binds to the NUMA node of the CPU we end on.
    const std::string pinning = pin_and_lock(a);
    std::unique_ptr<EventSink> sink;
    std::optional<shm::RingWriter> ring;
    std::string where;
    if (!a.output.empty()) {
      sink = std::make_unique<FileSink>(a.output);
      where = "file " + a.output;
    } else {
      const SymbolTable& symbols = a.orders.empty() ? config.symbols : read_order_file(a.orders).symbols;
      const auto image = symbols.to_image();
      shm::CreateOptions create;
      create.capacity = a.ring_mib << 20;
      create.metadata = image;
      create.backing = a.backing == "huge" ? shm::BackingChoice::Hugetlbfs
                       : a.backing == "shm" ? shm::BackingChoice::SharedMemory
                                            : shm::BackingChoice::Auto;
      ring.emplace(shm::RingWriter::create(a.ring, create));
      sink = std::make_unique<RingSink>(*ring);
      where = "ring '" + a.ring + "' (" + shm::describe(ring->backing()) + ")";
    }
    spdlog::info("engine: matching thread: {}; output {}", pinning, where);
    const int rc = a.orders.empty() ? run_simulation(a, config, *sink, ring ? &*ring : nullptr)
                                    : run_batch(a, config, *sink);
    if (auto* file = dynamic_cast<FileSink*>(sink.get())) file->flush();
    spdlog::info("engine: stopped cleanly");
    return rc;
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "ringside-engine: %s\n", e.what());
    return 2;
  } catch (const CLI::ValidationError& e) {
    std::fprintf(stderr, "ringside-engine: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ringside-engine: %s\n", e.what());
    return 1;
  }
}

}  // namespace ringside::engine
