// ringside-bench order-rtt: order-entry round trip, client -> engine -> client.
//
// The engine is the real ringside-engine binary (--no-agents), exec'd as a child
// pinned to CPU E: its own busy-polling order-entry loop, its matching, its
// commits into the live ring, its report rings, with nothing simplified. The
// client is this process, pinned to CPU C, using the order-entry client library
// (order_flow.hpp: two clients whose orders fill each other, every order NEW then
// FILLED). Only ringside-bench's own pinned thread and the engine run.
//
// Open loop, no coordinated omission: order i has an intended send time fixed in
// advance, start + i / rate. The client spins until it (reading reports while it
// waits), sends, and every report is timed from its order's intended time, so an
// engine or client stall is charged to every order it delays. Two latencies:
//   ack   intended send -> the order's first report (NEW), every order: the
//         engine's read of the order ring, validation, its report write and the
//         client's read
//   fill  intended send -> the taker order's FILLED report: the same plus the
//         match (the FILLED follows the NEW in the same request); a taker order
//         the engine reads before its maker order waits for it, and that counts
//
// The first --warmup seconds of orders are sent and checked, not recorded. After
// the last order the client waits up to 2 s for the remaining reports; every
// order must have got NEW and FILLED, else the run fails (JSON "failures").
#include "order_rtt.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "affinity.hpp"
#include "bench_paths.hpp"
#include "exec_child.hpp"
#include "histogram.hpp"
#include "json_line.hpp"
#include "order_flow.hpp"
#include "processes.hpp"
#include "tsc_clock.hpp"

namespace ringside::bench {
namespace {

constexpr std::string_view kBench = "order-rtt";

volatile std::sig_atomic_t g_interrupted = 0;
void on_interrupt(int) { g_interrupted = 1; }

struct Options {
  double rate = 10'000;
  double duration = 3.0;
  double warmup = 0.5;
  std::vector<int> cpus{0, 1};
  std::string out;
  std::string engine = sibling_binary("ringside-engine");
  std::string symbol = "AAPL";
  Quantity quantity = 100;
};

std::string write_hgrm(const Histogram& h, const std::filesystem::path& file, std::vector<std::string>& failures) {
  if (std::FILE* f = std::fopen(file.c_str(), "w"); f != nullptr) {
    h.write_percentile_distribution(f, 1.0);
    std::fclose(f);
    return file.string();
  }
  failures.push_back(fmt::format("cannot write {}", file.string()));
  return {};
}

void print_row(std::string_view name, const Percentiles& p) {
  fmt::print("  {:<5} {:>9} {:>9.0f} {:>9.0f} {:>9.0f} {:>9.0f} {:>9.0f} {:>9.0f} {:>9.0f}\n", name, p.count, p.p50,
             p.p90, p.p99, p.p999, p.p9999, p.max, p.mean);
}

JsonObject json_of(const Percentiles& p, const std::string& file) {
  JsonObject o;
  o.integer("samples", p.count).num("p50", p.p50).num("p90", p.p90).num("p99", p.p99).num("p99_9", p.p999);
  o.num("p99_99", p.p9999).num("max", p.max).num("mean", p.mean).str("file", file);
  return o;
}

}  // namespace

int run_order_rtt(int argc, char** argv) {
  CLI::App app{"ringside-bench order-rtt: open-loop order-entry round trip, this process (order-entry client "
               "library) -> the real ringside-engine (--no-agents, a pinned child) -> execution reports; "
               "intended-time stamped (no coordinated omission). Ends with one line of JSON."};
  app.name("ringside-bench order-rtt");
  Options o;
  app.add_option("--rate", o.rate, "orders per second, sent open loop")->check(CLI::Range(1.0, 1e6))->capture_default_str();
  app.add_option("--duration", o.duration, "measured seconds")->check(CLI::Range(0.1, 600.0))->capture_default_str();
  app.add_option("--warmup", o.warmup, "seconds of orders sent first and not recorded")->check(CLI::Range(0.0, 60.0))->capture_default_str();
  app.add_option("--cpus", o.cpus, "E,C: the engine's CPU, the client's")->delimiter(',')->capture_default_str();
  app.add_option("--out", o.out, "directory for the percentile files and engine.log (default: <build>/bench-results/order-rtt)");
  app.add_option("--engine", o.engine, "the ringside-engine binary")->capture_default_str();
  app.add_option("--symbol", o.symbol, "the ticker every order is for")->capture_default_str();
  app.add_option("--quantity", o.quantity, "shares per order")->check(CLI::Range(1u, 1'000'000u))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (o.cpus.size() != 2) return usage_error(kBench, "--cpus needs two CPUs: the engine's and the client's");
  if (const std::string bad = check_cpus(o.cpus); !bad.empty()) return usage_error(kBench, bad);
  if (::access(o.engine.c_str(), X_OK) != 0) return usage_error(kBench, fmt::format("--engine {}: not an executable", o.engine));
  const std::filesystem::path out_dir = o.out.empty() ? default_results_dir("order-rtt") : std::filesystem::path(o.out);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  spdlog::set_level(spdlog::level::warn);

  const TscClock clock = TscClock::calibrate();
  const ClockOverheads overheads = measure_clock_overheads(clock);
  const auto warm_orders = static_cast<std::size_t>(o.warmup * o.rate);
  const std::size_t total = (warm_orders + static_cast<std::size_t>(o.duration * o.rate) + 1) & ~std::size_t{1};
  fmt::print("order-rtt: {} (--no-agents) on CPU {}, client (this process) on CPU {}; {:.0f} orders/s open loop, "
             "{:.2f} s warm-up + {:.2f} s measured ({} orders), {} x {} shares at the opening price\n",
             o.engine, o.cpus[0], o.cpus[1], o.rate, o.warmup, o.duration, total, o.symbol, o.quantity);
  fmt::print("{}\n", describe(clock, overheads));

  std::vector<std::string> failures;
  auto ack = std::make_unique<Histogram>();
  auto fill = std::make_unique<Histogram>();
  auto lag = std::make_unique<Histogram>();
  std::size_t sent = 0, incomplete = 0;
  std::uint64_t reports = 0, unexpected = 0;
  std::string first_unexpected;
  double seconds = 0;
  try {
    ScratchRingDir ring_dir;
    ExecChild engine("ringside-engine", engine_command(o.engine, o.cpus[0], "events"), o.cpus[0], out_dir / "engine.log");
    if (!pin_to_cpu(o.cpus[1])) throw std::runtime_error(fmt::format("cannot pin to CPU {}", o.cpus[1]));
    auto* const previous_int = std::signal(SIGINT, on_interrupt);
    auto* const previous_term = std::signal(SIGTERM, on_interrupt);
    OrderFlow flow("bench-rtt", o.symbol, o.quantity, total, std::chrono::seconds(10));
    const auto on_report = [&](std::size_t i, std::uint8_t what) {
      const std::uint64_t now = rdtsc();
      if (i < warm_orders) return;
      const auto ns = static_cast<std::int64_t>(clock.ticks_to_ns(static_cast<double>(now - flow.intended(i))));
      if (what == OrderFlow::kNew) ack->record(ns);
      if (what == OrderFlow::kFilled && (i & 1) == 1) fill->record(ns);
    };
    const double ticks_per_order = clock.ticks_per_ns * 1e9 / o.rate;
    const std::uint64_t start = rdtsc() + clock.ns_to_ticks(1e6);
    const std::uint64_t hard_stop = start + clock.ns_to_ticks((o.warmup + o.duration) * 1.5e9 + 2e9);
    for (std::size_t i = 0; i < total; ++i) {
      const std::uint64_t intended = start + static_cast<std::uint64_t>(static_cast<double>(i) * ticks_per_order);
      std::uint64_t now = rdtsc();
      while (now < intended) {
        flow.drain(on_report);
        now = rdtsc();
      }
      flow.send(i, intended);
      if (i >= warm_orders) lag->record(static_cast<std::int64_t>(clock.ticks_to_ns(static_cast<double>(now - intended))));
      if ((i & 1023) == 0) {
        if (g_interrupted != 0) failures.push_back("interrupted");
        if (now > hard_stop) failures.push_back("the client fell behind its schedule; stopped at the hard deadline");
        if (const std::string end = engine.ended(); !end.empty()) failures.push_back(end);
        if (!failures.empty()) break;
      }
    }
    const std::uint64_t last = rdtsc();
    seconds = clock.ticks_to_ns(static_cast<double>(last - start)) / 1e9 - o.warmup;
    // The rest of the reports: two per order.
    const std::uint64_t drain_until = last + clock.ns_to_ticks(2e9);
    while (flow.reports() < 2 * flow.sent() && rdtsc() < drain_until && g_interrupted == 0) flow.drain(on_report);
    sent = flow.sent();
    incomplete = flow.incomplete();
    reports = flow.reports();
    unexpected = flow.unexpected();
    first_unexpected = flow.first_unexpected();
    if (const std::string end = engine.stop(); !end.empty()) failures.push_back(end);
    std::signal(SIGINT, previous_int);
    std::signal(SIGTERM, previous_term);
  } catch (const std::exception& e) {
    failures.push_back(e.what());
  }
  if (incomplete > 0) failures.push_back(fmt::format("{} of {} orders without their NEW and FILLED reports", incomplete, sent));
  if (unexpected > 0) failures.push_back(fmt::format("{} unexpected reports (first: {})", unexpected, first_unexpected));

  const std::string ack_file = write_hgrm(*ack, out_dir / "ack.hgrm", failures);
  const std::string fill_file = write_hgrm(*fill, out_dir / "fill.hgrm", failures);
  const Percentiles pa = percentiles_of(*ack), pf = percentiles_of(*fill), pl = percentiles_of(*lag);
  const double measured = static_cast<double>(sent > warm_orders ? sent - warm_orders : 0);
  const double orders_per_s = seconds > 0 ? measured / seconds : 0;
  fmt::print("\n{:.0f} orders/s sent ({} orders, {} reports, {} incomplete, {} unexpected); client's send lag behind "
             "schedule p50 {:.0f} ns, p99 {:.0f} ns\n",
             orders_per_s, sent, reports, incomplete, unexpected, pl.p50, pl.p99);
  fmt::print("round trip, ns from the intended send time\n  {:<5} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "",
             "samples", "p50", "p90", "p99", "p99.9", "p99.99", "max", "mean");
  print_row("ack", pa);
  print_row("fill", pf);
  fmt::print("percentile files (ns): {}, {}; engine log: {}\n", ack_file, fill_file, (out_dir / "engine.log").string());
  for (const std::string& f : failures) fmt::print("FAILED: {}\n", f);

  JsonObject json;
  json.str("bench", kBench).str("unit", "ns").num("tsc_mhz", clock.ticks_per_ns * 1e3, 3);
  json.integer("engine_cpu", o.cpus[0]).integer("client_cpu", o.cpus[1]);
  json.num("rate", o.rate, 0).num("orders_per_s", orders_per_s, 0).num("duration_s", o.duration, 2).num("warmup_s", o.warmup, 2);
  json.integer("orders", sent).integer("reports", reports).integer("incomplete", incomplete).integer("unexpected", unexpected);
  json.object("ack", json_of(pa, ack_file)).object("fill", json_of(pf, fill_file));
  json.num("send_lag_p50", pl.p50).num("send_lag_p99", pl.p99).num("send_lag_max", pl.max);
  json.strings("failures", failures);
  json.boolean("all_ok", failures.empty());
  fmt::print("{}\n", json.text());
  return failures.empty() ? 0 : 1;
}

}  // namespace ringside::bench
