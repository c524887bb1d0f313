// ringside-bench match: how many requests per second the matching engine
// handles, and what each costs, on three order-flow profiles, with a counting
// sink and with real publication into a ring drained by another process.
//
// The order stream (match_stream.hpp) is generated before anything is timed,
// deterministically from --profile and --seed, with a reference matcher run in
// lockstep: every cancel names an order resting at that point, and the
// reference's trades, volume and per-request outcomes are what the engine's
// must equal (a mismatch is an error exit, status 1).
//   P2 balanced      one symbol, ~1,000 resting orders; 60 % limit, 7 % IOC, 5 % market, 28 % cancel
//   P3 multi-symbol  100 symbols, ~100,000 resting orders in all (the same mix on a random symbol)
//   P4 deep          one symbol, ~20,000 resting orders, thousands at one hot price per side
//
// Each sink runs the stream twice in a fresh Exchange, in a process pinned to
// the first CPU: the preload (the resting book) untimed, then the measured ops
//   - throughput pass: one fenced TSC read before and after the whole loop;
//     ops/s is this pass's figure;
//   - latency pass: an rdtscp after every op, the difference to the previous one
//     is that op's sample (so samples add up to the loop's time; each includes
//     one rdtscp and the loop's few instructions), recorded per op type.
// Every request is submitted (or cancelled) and committed on its own, as the
// engine does. Sinks:
//   - counting: engine::CountingSink (counts frames and traded volume; no
//     memory traffic beyond one scratch frame): the matching itself;
//   - ring: engine::RingSink over a shm::RingWriter (64 MiB, in a private
//     RINGSIDE_SHM_DIR), commit per request (publish_time_ns from
//     CLOCK_REALTIME, as the engine's RingSink does), drained by a reader process
//     pinned to the second CPU (lossy by default, --reader lossless).
// Event times are synthetic (no clock read on the engine's side beyond the
// sink's own). Circuit breakers are on; the streams keep prices within 3 % of
// the opening price, and a halt would be a mismatch.
// Targets (issue 4, 2-core VM): counting sink P2 >= 11 M ops/s, P3 >= 3 M,
// P4 >= 6 M; ring >= 70 % of counting; per-op p99 <= 300 ns on P2.
#include "match_bench.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "affinity.hpp"
#include "histogram.hpp"
#include "json_line.hpp"
#include "median.hpp"
#include "match_stream.hpp"
#include "processes.hpp"
#include "ringside/core/instrument.hpp"
#include "ringside/engine/event_sink.hpp"
#include "ringside/engine/exchange.hpp"
#include "ringside/shm/reader.hpp"
#include "ringside/shm/writer.hpp"
#include "transports.hpp"
#include "tsc_clock.hpp"

namespace ringside::bench {
namespace {

using match::Op;
using match::OpKind;
using match::kOpKinds;

constexpr double kTargetOpsPerSecond[] = {11e6, 3e6, 6e6};  // P2, P3, P4, counting sink
constexpr double kTargetRingVsCounting = 0.70;
constexpr double kTargetP99NsP2 = 300.0;
constexpr std::int64_t kEpochNs = 1'750'000'000'000'000'000;  // synthetic event time of op 0

enum SinkKind { kCounting = 0, kRing = 1, kSinks };
enum Mode { kThroughput = 0, kLatency = 1, kModes };
constexpr const char* kSinkNames[kSinks] = {"counting", "ring"};
constexpr const char* kModeNames[kModes] = {"throughput", "latency"};
constexpr int kAllOps = kOpKinds;  // histogram index of every op together

struct PassResult {
  int ran = 0;
  std::uint64_t ops = 0;    // measured ops
  std::uint64_t ticks = 0;  // TSC ticks of the measured loop
  std::uint64_t checksum = 0;
  std::uint64_t rejects = 0;  // rejected submits and cancels that found nothing
  std::uint64_t trades = 0;   // from the books' session statistics
  std::uint64_t volume = 0;
  std::uint64_t resting = 0;
  std::uint64_t halted = 0;   // symbols halted at the end
  // CountingSink
  std::uint64_t sink_frames = 0;
  std::uint64_t sink_trades = 0;
  std::uint64_t sink_volume = 0;
  std::uint64_t sink_placed = 0;
  std::uint64_t sink_cancelled = 0;
  std::uint64_t sink_quotes = 0;
  std::uint64_t sink_halts = 0;
  // RingSink
  std::uint64_t ring_frames = 0;
  std::uint64_t stall_count = 0;
  std::uint64_t stall_ns = 0;
  std::int64_t engine_rss_kib = 0;  // resident growth from before the Exchange to after the pass
  std::int64_t preempted = 0;       // involuntary context switches during the measured loop (noise)
};

struct ReaderResult {
  int ran = 0;
  std::uint64_t frames = 0;
  std::uint64_t missed = 0;
  std::uint64_t bad = 0;  // sequence gaps not reported as missed
  std::uint64_t trades = 0;
  std::uint64_t volume = 0;
  std::uint64_t placed = 0;
};

struct MatchShared {
  std::atomic<int> abort{0};
  PhaseBarrier barrier;
  std::atomic<int> writer_done[kModes] = {};
  PassResult pass[kSinks][kModes];
  ReaderResult reader[kModes];
  Histogram latency[kSinks][kOpKinds + 1];  // ticks; per op kind, then all
  char backing[512] = {};
};

struct Options {
  std::string profile = "P2";
  std::uint64_t ops = 0;  // 0: the profile's default
  std::string sink = "both";
  std::vector<int> cpus{0, 1};
  std::uint64_t seed = 1;
  std::string percentiles;
  std::string reader = "lossy";
  std::uint64_t ring_mib = 64;
  std::uint64_t max_orders = std::uint64_t{1} << 18;
  std::uint32_t requests_per_commit = engine::ExchangeOptions{}.requests_per_commit;
  int rounds = 3;
};

// The passes one round of a sink runs: every round times the throughput pass;
// the last one also runs the latency pass.
std::vector<Mode> modes_of(bool last_round) {
  return last_round ? std::vector<Mode>{kThroughput, kLatency} : std::vector<Mode>{kThroughput};
}

SymbolTable make_symbols(std::size_t n) {
  std::vector<Instrument> instruments;
  instruments.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    Instrument in;
    in.ticker = fmt::format("MB{:03}", i);
    in.name = fmt::format("match bench {}", i);
    in.sector = "bench";
    in.scale = PriceScale{1, 2};
    in.initial_price = match::kInitialPrice;
    in.volatility = 0.2;
    instruments.push_back(std::move(in));
  }
  return SymbolTable(std::move(instruments));
}

engine::ExchangeOptions exchange_options(const Options& o) {
  engine::ExchangeOptions x;
  x.max_orders = o.max_orders;
  x.snapshot_interval_ticks = 0;  // on_tick is never called here anyway
  x.stats_interval_ticks = 0;
  x.circuit_breakers = true;
  x.requests_per_commit = o.requests_per_commit;
  return x;
}

std::int64_t resident_kib() noexcept {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long size = 0, resident = 0;
  const int got = std::fscanf(f, "%ld %ld", &size, &resident);
  std::fclose(f);
  return got == 2 ? resident * (::sysconf(_SC_PAGESIZE) / 1024) : 0;
}

std::int64_t involuntary_switches() noexcept {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_nivcsw;
}

// One request into the engine (the caller commits); folds its outcome into `h`.
inline std::uint64_t apply(engine::Exchange& ex, const Op& op, std::int64_t now_ns, std::uint64_t h,
                           std::uint64_t& rejects) noexcept {
  const SymbolId symbol{op.symbol};
  if (op.kind == OpKind::Cancel) {
    const RejectReason r = ex.cancel(symbol, OrderId{op.id}, now_ns);
    rejects += r != RejectReason::None ? 1u : 0u;
    return match::fold_cancel(h, r == RejectReason::None);
  }
  engine::NewOrder order;
  order.id = OrderId{op.id};
  order.agent = AgentId{op.agent};
  order.side = op.side;
  order.type = op.kind == OpKind::Market ? OrderType::Market : OrderType::Limit;
  order.time_in_force = op.kind == OpKind::Limit ? TimeInForce::GTC : TimeInForce::IOC;
  order.price = op.price;
  order.quantity = op.quantity;
  const engine::SubmitResult r = ex.submit(symbol, order, now_ns);
  rejects += r.reject != RejectReason::None ? 1u : 0u;
  return match::fold_submit(h, r.filled, r.resting, r.cancelled);
}

// Runs the preload (untimed) of one pass.
struct EngineRun {
  std::uint64_t checksum = 0;
  std::uint64_t rejects = 0;

  void preload(engine::Exchange& ex, const match::Stream& s) noexcept {
    for (std::size_t i = 0; i < s.preload; ++i) {
      checksum = apply(ex, s.ops[i], kEpochNs + static_cast<std::int64_t>(i), checksum, rejects);
      ex.request_done();
    }
    ex.commit();
  }

  // The measured ops: timed as a whole, or op by op into `samples` (ticks).
  [[gnu::noinline]] void measure(engine::Exchange& ex, const match::Stream& s, Mode mode, PassResult& out, std::uint32_t* samples) noexcept {
    const Op* ops = s.ops.data();
    const std::size_t n = s.ops.size();
    std::uint64_t h = checksum;
    std::uint64_t r = rejects;
    std::uint64_t ticks = 0;
    if (mode == kThroughput) {
      const std::uint64_t t0 = tsc_begin();
      for (std::size_t i = s.preload; i < n; ++i) {
        h = apply(ex, ops[i], kEpochNs + static_cast<std::int64_t>(i), h, r);
        ex.request_done();
      }
      ex.commit();
      ticks = tsc_end() - t0;
    } else {
      unsigned aux = 0;
      const std::uint64_t t0 = __rdtscp(&aux);
      std::uint64_t prev = t0;
      std::uint32_t* sample = samples;
      for (std::size_t i = s.preload; i < n; ++i) {
        h = apply(ex, ops[i], kEpochNs + static_cast<std::int64_t>(i), h, r);
        ex.request_done();
        const std::uint64_t now = __rdtscp(&aux);
        const std::uint64_t d = now - prev;
        *sample++ = d > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(d);
        prev = now;
      }
      ex.commit();
      ticks = prev - t0;
    }
    checksum = h;
    rejects = r;
    out.ops = n - s.preload;
    out.ticks = ticks;
  }

  void finish(const engine::Exchange& ex, PassResult& out) const noexcept {
    out.checksum = checksum;
    out.rejects = rejects;
    for (std::size_t i = 0; i < ex.symbol_count(); ++i) {
      const SymbolId symbol{static_cast<std::uint16_t>(i)};
      const engine::SessionStats& stats = ex.book(symbol).stats();
      out.trades += stats.trade_count;
      out.volume += static_cast<std::uint64_t>(stats.volume);
      out.halted += ex.halted(symbol) ? 1u : 0u;
    }
    out.resting = ex.orders_in_use();
    out.ran = 1;
  }
};

void record_latencies(const match::Stream& s, const std::vector<std::uint32_t>& samples, Histogram* histograms) noexcept {
  for (std::size_t j = 0; j < s.measured(); ++j) {
    const auto kind = static_cast<int>(s.ops[s.preload + j].kind);
    histograms[kind].record(samples[j]);
    histograms[kAllOps].record(samples[j]);
  }
}

int counting_main(MatchShared& sh, const match::Stream& s, const SymbolTable& symbols, const Options& o, bool last_round) {
  prefault(&sh, sizeof sh);
  std::vector<std::uint32_t> samples(last_round ? s.measured() : 0);
  for (const Mode mode : modes_of(last_round)) {
    if (sh.abort.load(std::memory_order_relaxed) != 0) return 4;
    std::fprintf(stderr, "match: counting sink, %s pass...\n", kModeNames[mode]);
    PassResult& out = sh.pass[kCounting][mode];
    const std::int64_t rss0 = resident_kib();
    auto sink = std::make_unique<engine::CountingSink>();
    auto ex = std::make_unique<engine::Exchange>(symbols, *sink, exchange_options(o));
    EngineRun run;
    run.preload(*ex, s);
    const std::int64_t switches0 = involuntary_switches();
    run.measure(*ex, s, mode, out, samples.data());
    out.preempted = involuntary_switches() - switches0;
    run.finish(*ex, out);
    out.engine_rss_kib = resident_kib() - rss0;
    out.sink_frames = sink->frames();
    out.sink_trades = sink->frames_of(EventType::TradeExecuted);
    out.sink_volume = static_cast<std::uint64_t>(sink->traded_volume());
    out.sink_placed = sink->frames_of(EventType::OrderPlaced);
    out.sink_cancelled = sink->frames_of(EventType::OrderCancelled);
    out.sink_quotes = sink->frames_of(EventType::QuoteUpdate);
    out.sink_halts = sink->frames_of(EventType::TradingHalt);
    if (mode == kLatency) record_latencies(s, samples, sh.latency[kCounting]);
  }
  return 0;
}

std::string ring_name(Mode mode) { return fmt::format("match-{}", kModeNames[mode]); }

int ring_writer_main(MatchShared& sh, const match::Stream& s, const SymbolTable& symbols, const Options& o,
                     bool last_round) {
  prefault(&sh, sizeof sh);
  std::vector<std::uint32_t> samples(last_round ? s.measured() : 0);
  const std::vector<std::byte> image = symbols.to_image();
  int phase = 0;
  for (const Mode mode : modes_of(last_round)) {
    std::fprintf(stderr, "match: ring sink, %s pass...\n", kModeNames[mode]);
    PassResult& out = sh.pass[kRing][mode];
    shm::CreateOptions create;
    create.capacity = o.ring_mib << 20;
    create.lock_memory = true;
    create.metadata = image;
    shm::RingWriter writer = shm::RingWriter::create(ring_name(mode), create);
    if (mode == kThroughput) std::snprintf(sh.backing, sizeof sh.backing, "%s", shm::describe(writer.backing()).c_str());
    engine::RingSink sink(writer);
    const std::int64_t rss0 = resident_kib();
    auto ex = std::make_unique<engine::Exchange>(symbols, sink, exchange_options(o));
    const bool reader = o.reader != "none";
    if (reader && !sh.barrier.arrive_and_wait(phase++, sh.abort)) return 3;  // the reader has attached
    EngineRun run;
    run.preload(*ex, s);
    const std::int64_t switches0 = involuntary_switches();
    run.measure(*ex, s, mode, out, samples.data());
    out.preempted = involuntary_switches() - switches0;
    run.finish(*ex, out);
    out.engine_rss_kib = resident_kib() - rss0;
    out.ring_frames = writer.next_sequence() - 1;
    out.stall_count = writer.ring().header->stall_count.load(std::memory_order_relaxed);
    out.stall_ns = writer.ring().header->stall_ns.load(std::memory_order_relaxed);
    sh.writer_done[mode].store(1, std::memory_order_release);
    if (mode == kLatency) record_latencies(s, samples, sh.latency[kRing]);
    // Keep the ring open (Running) until the reader has drained it.
    if (reader && !sh.barrier.arrive_and_wait(phase++, sh.abort, std::chrono::seconds(120))) return 3;
  }
  return 0;
}

int ring_reader_main(MatchShared& sh, const Options& o, bool last_round) {
  prefault(&sh, sizeof sh);
  int phase = 0;
  for (const Mode mode : modes_of(last_round)) {
    shm::ReaderOptions ro;
    ro.kind = o.reader == "lossless" ? shm::ReaderKind::Lossless : shm::ReaderKind::Lossy;
    ro.start = shm::StartAt::Next;
    ro.wait_for_ring = std::chrono::milliseconds(30'000);
    ro.name = "bench-match";
    shm::RingReader r = shm::RingReader::attach(ring_name(mode), ro);
    if (!sh.barrier.arrive_and_wait(phase++, sh.abort)) return 3;
    ReaderResult& res = sh.reader[mode];
    std::uint64_t expected = 1;  // ring sequences start at 1
    bool done_seen = false;
    for (std::uint32_t spins = 0;;) {
      const shm::ReadResult got = r.read();
      if (got.status == shm::ReadStatus::Frame) {
        ++res.frames;
        res.missed += got.missed;
        expected += got.missed;
        if (got.frame->sequence != expected) ++res.bad;
        expected = got.frame->sequence + 1;
        if (got.frame->type == EventType::TradeExecuted) {
          ++res.trades;
          res.volume += reinterpret_cast<const TradeExecuted*>(got.frame)->quantity;
        } else if (got.frame->type == EventType::OrderPlaced) {
          ++res.placed;
        }
        continue;
      }
      if (got.status != shm::ReadStatus::Empty) break;
      if (done_seen) break;
      if ((++spins & 1023) == 0) {
        if (sh.writer_done[mode].load(std::memory_order_acquire) != 0) done_seen = true;  // once more, then stop
        if (sh.abort.load(std::memory_order_relaxed) != 0) return 4;
      }
    }
    res.ran = 1;
    if (!sh.barrier.arrive_and_wait(phase++, sh.abort, std::chrono::seconds(120))) return 3;
  }
  return 0;
}

double seconds_of(const TscClock& clock, std::uint64_t ticks) { return clock.ticks_to_ns(static_cast<double>(ticks)) / 1e9; }

double ops_per_second(const TscClock& clock, const PassResult& p) {
  const double s = seconds_of(clock, p.ticks);
  return s > 0 ? static_cast<double>(p.ops) / s : 0.0;
}

JsonObject latency_json(const Percentiles& p) {
  JsonObject j;
  j.integer("count", p.count).num("p50_ns", p.p50).num("p90_ns", p.p90).num("p99_ns", p.p99).num("p999_ns", p.p999);
  j.num("max_ns", p.max).num("mean_ns", p.mean);
  return j;
}

// "out/p2.hgrm" -> "out/p2.counting-limit.hgrm"; no extension: "out/p2" -> "out/p2.counting-limit.hgrm".
std::string percentile_file(const std::string& base, const char* sink, std::string_view type) {
  const std::filesystem::path p(base);
  const std::string ext = p.has_extension() ? p.extension().string() : std::string(".hgrm");
  return (p.parent_path() / fmt::format("{}.{}-{}{}", p.stem().string(), sink, type, ext)).string();
}

// What the passes of round `round` got wrong against the reference (nothing: empty).
std::vector<std::string> check_round(const MatchShared& sh, const match::ReferenceTotals& ref, const Options& o,
                                     bool with_counting, bool with_ring, int round, bool last_round) {
  std::vector<std::string> mismatches;
  const auto expect = [&](bool ok, const std::string& what) {
    if (!ok) mismatches.push_back(what);
  };
  for (int k = 0; k < kSinks; ++k) {
    if ((k == kCounting && !with_counting) || (k == kRing && !with_ring)) continue;
    for (int m = 0; m < (last_round ? kModes : 1); ++m) {
      const PassResult& p = sh.pass[k][m];
      const std::string where = fmt::format("{}{} sink, {} pass", o.rounds > 1 ? fmt::format("round {}: ", round + 1) : "",
                                            kSinkNames[k], kModeNames[m]);
      if (p.ran == 0) {
        mismatches.push_back(where + ": did not run to the end (see failures)");
        continue;
      }
      expect(p.checksum == ref.checksum, where + ": per-request outcomes differ from the reference (checksum)");
      expect(p.rejects == 0, fmt::format("{}: {} requests rejected or cancels not found (reference: 0)", where, p.rejects));
      expect(p.trades == ref.trades, fmt::format("{}: {} trades, reference {}", where, p.trades, ref.trades));
      expect(p.volume == ref.volume, fmt::format("{}: volume {}, reference {}", where, p.volume, ref.volume));
      expect(p.resting == ref.resting, fmt::format("{}: {} resting at the end, reference {}", where, p.resting, ref.resting));
      expect(p.halted == 0, fmt::format("{}: {} symbols halted by a circuit breaker", where, p.halted));
      if (k == kCounting) {
        expect(p.sink_trades == ref.trades, fmt::format("{}: {} TradeExecuted, reference {}", where, p.sink_trades, ref.trades));
        expect(p.sink_volume == ref.volume, fmt::format("{}: sink volume {}, reference {}", where, p.sink_volume, ref.volume));
        expect(p.sink_placed == ref.submits, fmt::format("{}: {} OrderPlaced, reference {}", where, p.sink_placed, ref.submits));
        expect(p.sink_cancelled == ref.cancelled_events,
               fmt::format("{}: {} OrderCancelled, reference {}", where, p.sink_cancelled, ref.cancelled_events));
        expect(p.sink_halts == 0, fmt::format("{}: {} TradingHalt", where, p.sink_halts));
      } else {
        const ReaderResult& r = sh.reader[m];
        if (o.reader == "none") continue;
        if (r.ran == 0) {
          mismatches.push_back(where + ": the reader did not run to the end (see failures)");
          continue;
        }
        expect(r.bad == 0, fmt::format("{}: the reader saw {} sequence gaps not reported as missed", where, r.bad));
        expect(r.frames + r.missed == p.ring_frames,
               fmt::format("{}: reader got {} + missed {} frames, writer published {}", where, r.frames, r.missed, p.ring_frames));
        if (o.reader == "lossless") expect(r.missed == 0, fmt::format("{}: the lossless reader missed {} frames", where, r.missed));
        if (r.missed == 0) {
          expect(r.trades == ref.trades, fmt::format("{}: reader saw {} TradeExecuted, reference {}", where, r.trades, ref.trades));
          expect(r.volume == ref.volume, fmt::format("{}: reader saw volume {}, reference {}", where, r.volume, ref.volume));
          expect(r.placed == ref.submits, fmt::format("{}: reader saw {} OrderPlaced, reference {}", where, r.placed, ref.submits));
        }
      }
    }
  }
  return mismatches;
}

}  // namespace

int run_match(int argc, char** argv) {
  CLI::App app{"ringside-bench match: requests per second and per-request latency (rdtsc) of the matching engine "
               "(engine::Exchange) on a pre-generated order stream, with a counting sink and with publication into a "
               "ring drained by a reader process; checked against a reference matcher. Ends with one line of JSON."};
  app.name("ringside-bench match");
  Options o;
  app.add_option("--profile", o.profile,
                 "P2 (balanced: 1 symbol, ~1k resting), P3 (100 symbols, ~100k resting), P4 (deep: 1 symbol, ~20k "
                 "resting, hot price)")
      ->capture_default_str();
  app.add_option("--ops", o.ops, "measured requests (default: P2 3M, P3 1M, P4 2M)")
      ->check(CLI::Range(std::uint64_t{1000}, std::uint64_t{200'000'000}));
  app.add_option("--sink", o.sink, "counting, ring or both")->check(CLI::IsMember({"counting", "ring", "both"}))->capture_default_str();
  app.add_option("--cpus", o.cpus, "A,B: the engine's CPU, the ring reader's CPU")->delimiter(',')->expected(2)->capture_default_str();
  app.add_option("--seed", o.seed, "stream seed")->capture_default_str();
  app.add_option("--percentiles", o.percentiles,
                 "write HdrHistogram percentile distributions (ns) per sink and op type to FILE.<sink>-<type>.hgrm");
  app.add_option("--reader", o.reader,
                 "the ring reader: lossy (never slows the engine), lossless (backpressure), or none (diagnostic: "
                 "the engine publishes into the ring with no reader process)")
      ->check(CLI::IsMember({"lossy", "lossless", "none"}))->capture_default_str();
  app.add_option("--ring-mib", o.ring_mib, "ring data size in MiB")->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_option("--max-orders", o.max_orders, "ExchangeOptions::max_orders (order pool; the id index is twice that)")
      ->check(CLI::Range(std::uint64_t{1} << 16, std::uint64_t{1} << 24))->capture_default_str();
  app.add_option("--requests-per-commit", o.requests_per_commit,
                 "requests whose events share one commit under load (ExchangeOptions::requests_per_commit, as the "
                 "engine; 1: a commit per request)")
      ->check(CLI::Range(1, 1 << 20))->capture_default_str();
  app.add_option("--rounds", o.rounds,
                 "rounds of throughput passes, each sink once per round, alternating (the latency passes run in the "
                 "last); ops/s are the medians, ring/counting the median of the rounds' ratios")
      ->check(CLI::Range(1, 15))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  match::Profile profile{};
  if (!match::parse_profile(o.profile, profile)) return usage_error("match", "--profile: use P2, P3 or P4");
  const match::ProfileSpec& spec = match::spec_of(profile);
  const bool with_counting = o.sink != "ring";
  const bool with_ring = o.sink != "counting";
  if (o.cpus.size() != 2 || o.cpus[0] == o.cpus[1]) return usage_error("match", "--cpus needs two different CPUs");
  if (const std::string bad = check_cpus(o.cpus); !bad.empty()) return usage_error("match", bad);
  if (o.max_orders < spec.symbols * spec.resting_per_symbol * 2) {
    return usage_error("match", fmt::format("--max-orders {}: {} needs at least {}", o.max_orders, spec.name,
                                            spec.symbols * spec.resting_per_symbol * 2));
  }
  const std::uint64_t n = o.ops != 0 ? o.ops : spec.default_ops;
  spdlog::set_level(spdlog::level::warn);

  const TscClock clock = TscClock::calibrate();
  const ClockOverheads overheads = measure_clock_overheads(clock);
  fmt::print("match {}: {}\n", spec.name, spec.summary);
  fmt::print("{} measured requests after a preload of {} resting orders; seed {}; engine on CPU {}, ring reader ({}) on "
             "CPU {}; sinks: {}; {}\n",
             n, spec.symbols * spec.resting_per_symbol, o.seed, o.cpus[0], o.reader, o.cpus[1], o.sink,
             o.requests_per_commit == 1 ? std::string("one commit per request")
                                        : fmt::format("one commit per {} requests, as the engine under load",
                                                      o.requests_per_commit));
  fmt::print("{}\n", describe(clock, overheads));

  std::fprintf(stderr, "match: generating the %s stream (%llu ops) with the reference matcher...\n",
               std::string(spec.name).c_str(), static_cast<unsigned long long>(n));
  const auto g0 = std::chrono::steady_clock::now();
  const match::Stream stream = match::generate(profile, n, o.seed);
  const double gen_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - g0).count();
  const match::ReferenceTotals& ref = stream.reference;
  const match::ReferenceTotals& pre = stream.preload_reference;
  const double stream_mib = static_cast<double>(stream.ops.size() * sizeof(Op)) / (1 << 20);
  fmt::print("stream: {} ops ({:.0f} MiB) generated and matched by the reference in {:.2f} s; measured mix: {} limit, {} "
             "IOC, {} market, {} cancel\n",
             stream.ops.size(), stream_mib, gen_s, ref.ops_by_kind[0] - pre.ops_by_kind[0],
             ref.ops_by_kind[1] - pre.ops_by_kind[1], ref.ops_by_kind[2] - pre.ops_by_kind[2],
             ref.ops_by_kind[3] - pre.ops_by_kind[3]);
  fmt::print("book: resting orders over the measured ops min {} / mean {:.0f} / max {} (target {}); at the end {} "
             "levels, the fullest holding {} orders\n",
             stream.resting_min, stream.resting_mean, stream.resting_max, spec.symbols * spec.resting_per_symbol,
             stream.levels_end, stream.largest_level_end);
  const std::uint64_t trades = ref.trades - pre.trades;
  const std::uint64_t volume = ref.volume - pre.volume;
  fmt::print("reference: {} trades, {} shares, {} self-trade cancels over the measured ops\n", trades, volume,
             ref.self_trade_cancels - pre.self_trade_cancels);
  std::fflush(stdout);

  const SymbolTable symbols = make_symbols(spec.symbols);
  Shared<MatchShared> sh;
  std::vector<std::string> failures;
  std::vector<std::string> mismatches;
  const auto timeout = std::chrono::milliseconds(120'000 + static_cast<long>(n / 100));
  long counting_peak_kib = 0;  // the counting engine process's peak RSS
  // Each round runs the counting sink's throughput pass, then the ring sink's, so
  // that a slow spell of the machine (seconds, on a shared VM) falls on both
  // alike; the report gives the medians, and the ratio is the median of the
  // rounds' ratios. The last round also runs each sink's latency pass.
  std::array<std::vector<double>, kSinks> round_ops{};
  std::vector<double> round_ratios;
  for (int round = 0; round < o.rounds && failures.empty(); ++round) {
    const bool last_round = round + 1 == o.rounds;
    // Nothing of the last round's children is running now: fresh barrier, flags and results.
    sh->barrier.arrived.store(0, std::memory_order_relaxed);
    for (auto& done : sh->writer_done) done.store(0, std::memory_order_relaxed);
    for (auto& sink : sh->pass) {
      for (PassResult& p : sink) p = PassResult{};
    }
    for (ReaderResult& r : sh->reader) r = ReaderResult{};
    if (o.rounds > 1) std::fprintf(stderr, "match: round %d of %d\n", round + 1, o.rounds);
    if (with_counting) {
      Children children;
      children.spawn("engine (counting sink)", o.cpus[0], [&] { return counting_main(*sh, stream, symbols, o, last_round); });
      children.wait_all(timeout, &sh->abort);
      for (const std::string& f : children.failures()) failures.push_back(f);
      if (children.interrupted()) failures.push_back("interrupted");
      if (round == 0) {
        rusage usage{};
        ::getrusage(RUSAGE_CHILDREN, &usage);
        counting_peak_kib = usage.ru_maxrss;
      }
    }
    if (with_ring && failures.empty()) {
      ScratchRingDir ring_dir;
      if (o.reader == "none") {
        Children children;
        children.spawn("engine (ring sink)", o.cpus[0],
                       [&] { return ring_writer_main(*sh, stream, symbols, o, last_round); });
        children.wait_all(timeout, &sh->abort);
        for (const std::string& f : children.failures()) failures.push_back(f);
        if (children.interrupted()) failures.push_back("interrupted");
      } else {
        for (const std::string& f :
             run_pair("engine (ring sink)", o.cpus[0],
                      [&](Channels&) { return ring_writer_main(*sh, stream, symbols, o, last_round); }, "ring reader",
                      o.cpus[1], [&](Channels&) { return ring_reader_main(*sh, o, last_round); }, timeout, &sh->abort)) {
          failures.push_back(f);
        }
      }
    }
    if (!failures.empty()) break;

    // Checks against the reference: every pass of this round.
    for (std::string& m : check_round(*sh, ref, o, with_counting, with_ring, round, last_round)) {
      mismatches.push_back(std::move(m));
    }
    std::array<double, kSinks> ops{};
    for (int k = 0; k < kSinks; ++k) {
      if ((k == kCounting && !with_counting) || (k == kRing && !with_ring)) continue;
      ops[static_cast<std::size_t>(k)] = ops_per_second(clock, sh->pass[k][kThroughput]);
      round_ops[static_cast<std::size_t>(k)].push_back(ops[static_cast<std::size_t>(k)]);
    }
    if (with_counting && with_ring && ops[kCounting] > 0) round_ratios.push_back(ops[kRing] / ops[kCounting]);
  }

  if (!failures.empty()) mismatches.push_back("a pass did not run to the end (see failures)");
  const bool reference_ok = mismatches.empty();

  // Report.
  const std::size_t pi = static_cast<std::size_t>(profile);
  JsonObject json;
  json.str("bench", "match").str("profile", spec.name).integer("ops", n).integer("preload", stream.preload);
  json.integer("seed", o.seed).integer("symbols", spec.symbols).integer("cpu_engine", o.cpus[0]).integer("cpu_reader", o.cpus[1]);
  json.integer("requests_per_commit", o.requests_per_commit).str("reader", with_ring ? o.reader : "-");
  json.str("clock", "tsc").num("tsc_mhz", clock.ticks_per_ns * 1e3, 3).num("tsc_resolution_ns", overheads.resolution_ns);
  json.num("rdtsc_ns", overheads.rdtsc_ns);
  JsonObject book;
  book.integer("target", spec.symbols * spec.resting_per_symbol).integer("min", stream.resting_min);
  book.num("mean", stream.resting_mean, 0).integer("max", stream.resting_max).integer("levels_end", stream.levels_end);
  book.integer("largest_level_end", stream.largest_level_end);
  json.object("resting", book);
  JsonObject mix;
  for (int k = 0; k < kOpKinds; ++k) {
    mix.integer(match::kOpKindNames[k], ref.ops_by_kind[k] - pre.ops_by_kind[k]);
  }
  json.object("mix", mix);

  std::array<double, kSinks> ops_s{};
  std::array<Percentiles, kSinks> all{};
  fmt::print("\n  {:<9} {:>13} {:>13} {:>9}  {:<7} {:>9} {:>7} {:>7} {:>7} {:>8} {:>9}\n", "sink", "ops/s", "(lat. pass)",
             "frames/op", "type", "count", "p50", "p90", "p99", "p99.9", "max ns");
  for (int k = 0; k < kSinks; ++k) {
    if ((k == kCounting && !with_counting) || (k == kRing && !with_ring)) continue;
    const PassResult& tp = sh->pass[k][kThroughput];
    const PassResult& lp = sh->pass[k][kLatency];
    ops_s[static_cast<std::size_t>(k)] = median(round_ops[static_cast<std::size_t>(k)]);
    const double frames = k == kCounting ? static_cast<double>(tp.sink_frames) : static_cast<double>(tp.ring_frames);
    const double frames_per_op = static_cast<double>(stream.ops.size()) > 0 ? frames / static_cast<double>(stream.ops.size()) : 0;
    JsonObject sj;
    JsonArray per_round;
    for (const double r : round_ops[static_cast<std::size_t>(k)]) per_round.num(r, 0);
    sj.num("ops_per_s", ops_s[static_cast<std::size_t>(k)], 0).array("ops_per_s_rounds", per_round);
    sj.num("ops_per_s_latency_pass", ops_per_second(clock, lp), 0);
    sj.num("seconds", seconds_of(clock, tp.ticks), 3).num("frames_per_op", frames_per_op, 2);
    sj.integer("preempted_throughput_pass", tp.preempted).integer("preempted_latency_pass", lp.preempted);
    JsonObject by_type;
    for (int t = 0; t <= kOpKinds; ++t) {
      const Percentiles p = percentiles_of(sh->latency[k][t], clock.ticks_per_ns);
      const std::string_view type = t == kAllOps ? std::string_view("all") : match::kOpKindNames[t];
      if (t == kAllOps) {
        all[static_cast<std::size_t>(k)] = p;
        sj.num("p50_ns", p.p50).num("p90_ns", p.p90).num("p99_ns", p.p99).num("p999_ns", p.p999).num("max_ns", p.max);
        sj.num("mean_ns", p.mean);
      } else {
        by_type.object(type, latency_json(p));
      }
      fmt::print("  {:<9} {:>13} {:>13} {:>9}  {:<7} {:>9} {:>7.0f} {:>7.0f} {:>7.0f} {:>8.0f} {:>9.0f}\n",
                 t == 0 ? kSinkNames[k] : "",
                 t == 0 ? fmt::format("{:.0f}", ops_s[static_cast<std::size_t>(k)]) : "",
                 t == 0 ? fmt::format("({:.0f})", ops_per_second(clock, lp)) : "",
                 t == 0 ? fmt::format("{:.2f}", frames_per_op) : "", type, p.count, p.p50, p.p90, p.p99, p.p999, p.max);
      if (!o.percentiles.empty()) {
        const std::string file = percentile_file(o.percentiles, kSinkNames[k], type);
        std::error_code ec;
        if (const auto dir = std::filesystem::path(file).parent_path(); !dir.empty()) {
          std::filesystem::create_directories(dir, ec);
        }
        if (std::FILE* f = std::fopen(file.c_str(), "w"); f != nullptr) {
          sh->latency[k][t].write_percentile_distribution(f, clock.ticks_per_ns);
          std::fclose(f);
        } else {
          failures.push_back(fmt::format("cannot write {}: {}", file, std::strerror(errno)));
        }
      }
    }
    sj.object("by_type", by_type);
    sj.num("engine_rss_mib", static_cast<double>(tp.engine_rss_kib) / 1024.0, 1);
    if (k == kCounting) {
      sj.integer("frames", tp.sink_frames).integer("quote_updates", tp.sink_quotes);
    } else {
      const ReaderResult& r = sh->reader[kThroughput];
      sj.integer("frames", tp.ring_frames).str("reader", o.reader).integer("reader_frames", r.frames);
      sj.integer("reader_missed", r.missed).integer("writer_stalls", tp.stall_count);
      sj.num("writer_stalled_ms", static_cast<double>(tp.stall_ns) / 1e6, 3).str("backing", sh->backing);
      fmt::print("  ring: {:.2f} M frames/s published; the {} reader got {} and missed {} frames (throughput pass), "
                 "the writer waited {} times ({:.1f} ms)\n",
                 frames / std::max(1e-9, seconds_of(clock, tp.ticks)) / 1e6, o.reader, r.frames, r.missed,
                 tp.stall_count, static_cast<double>(tp.stall_ns) / 1e6);
    }
    json.object(kSinkNames[k], sj);
  }
  for (int k = 0; k < kSinks; ++k) {
    if ((k == kCounting && !with_counting) || (k == kRing && !with_ring)) continue;
    fmt::print("  {}: the engine was preempted {} times in the throughput pass, {} in the latency pass (other load "
               "on its CPU: figures from runs with many are not the engine's)\n",
               kSinkNames[k], sh->pass[k][kThroughput].preempted, sh->pass[k][kLatency].preempted);
  }
  if (with_ring) fmt::print("ring backing: {}\n", sh->backing);
  fmt::print("latency samples: rdtscp after each request minus the previous one (include one rdtscp, ~{:.0f} ns, and "
             "the loop); TSC resolution {:.1f} ns\n",
             overheads.rdtsc_ns, overheads.resolution_ns);

  const bool both = with_counting && with_ring && !round_ratios.empty();
  const double ratio = both ? median(round_ratios) : std::nan("");
  if (o.rounds > 1) {
    const auto list = [](const std::vector<double>& v, double scale, int digits) {
      std::string out;
      for (const double x : v) out += fmt::format("{}{:.{}f}", out.empty() ? "" : ", ", x * scale, digits);
      return out;
    };
    fmt::print("  rounds (throughput passes, counting then ring in each): counting {} M ops/s; ring {} M ops/s",
               list(round_ops[kCounting], 1e-6, 2), list(round_ops[kRing], 1e-6, 2));
    if (both) fmt::print("; ring / counting {}", list(round_ratios, 1, 3));
    fmt::print(" (medians above; per-type latencies from the last round)\n");
  }
  json.integer("rounds", o.rounds).num("ring_vs_counting", ratio, 3);
  JsonArray ratios_json;
  for (const double r : round_ratios) ratios_json.num(r, 3);
  json.array("ring_vs_counting_rounds", ratios_json);
  json.integer("trades", trades).integer("volume", volume).integer("self_trade_cancels", ref.self_trade_cancels - pre.self_trade_cancels);
  json.boolean("reference_ok", reference_ok);
  json.strings("mismatches", mismatches);

  rusage self{}, children_usage{};
  ::getrusage(RUSAGE_SELF, &self);
  ::getrusage(RUSAGE_CHILDREN, &children_usage);
  const double peak_rss_mib = static_cast<double>(std::max(self.ru_maxrss, children_usage.ru_maxrss)) / 1024.0;
  json.num("peak_rss_mib", peak_rss_mib, 1).num("peak_rss_mib_counting_engine", static_cast<double>(counting_peak_kib) / 1024.0, 1);
  json.num("stream_mib", stream_mib, 1);
  fmt::print("peak RSS {:.1f} MiB (largest of this process and its children; the op stream is {:.0f} MiB of it, the "
             "ring's locked data {} MiB); the counting engine process alone: {:.1f} MiB\n",
             peak_rss_mib, stream_mib, with_ring ? o.ring_mib : 0, static_cast<double>(counting_peak_kib) / 1024.0);

  // Targets.
  JsonObject targets;
  const double target_ops = kTargetOpsPerSecond[pi];
  targets.num("ops_per_s_min", target_ops, 0);
  const bool ops_met = with_counting && ops_s[kCounting] >= target_ops;
  if (with_counting) {
    targets.boolean("ops_per_s_met", ops_met);
  } else {
    targets.raw("ops_per_s_met", "null");
  }
  targets.num("ring_vs_counting_min", kTargetRingVsCounting, 2);
  if (both) {
    targets.boolean("ring_vs_counting_met", ratio >= kTargetRingVsCounting);
  } else {
    targets.raw("ring_vs_counting_met", "null");
  }
  if (profile == match::Profile::P2) {
    targets.num("p99_max_ns", kTargetP99NsP2, 0);
    if (with_counting) targets.boolean("p99_met_counting", all[kCounting].p99 <= kTargetP99NsP2);
    if (with_ring) targets.boolean("p99_met_ring", all[kRing].p99 <= kTargetP99NsP2);
  }
  json.object("targets", targets);
  json.strings("failures", failures);

  fmt::print("\ntargets ({}): counting sink >= {:.0f} M ops/s: {}", spec.name, target_ops / 1e6,
             !with_counting ? "not measured" : ops_met ? "met" : "NOT met");
  fmt::print("; ring >= {:.0f} % of counting: {}", kTargetRingVsCounting * 100,
             !both ? "not measured" : ratio >= kTargetRingVsCounting ? fmt::format("met ({:.0f} %)", ratio * 100)
                                                                    : fmt::format("NOT met ({:.0f} %)", ratio * 100));
  if (profile == match::Profile::P2) {
    fmt::print("; p99 <= {:.0f} ns: counting {}, ring {}", kTargetP99NsP2,
               !with_counting ? "-" : all[kCounting].p99 <= kTargetP99NsP2 ? "met" : "NOT met",
               !with_ring ? "-" : all[kRing].p99 <= kTargetP99NsP2 ? "met" : "NOT met");
  }
  fmt::print("\n");
  for (const std::string& f : failures) fmt::print("FAILED: {}\n", f);
  for (const std::string& m : mismatches) fmt::print("MISMATCH: {}\n", m);
  fmt::print("reference check: {}\n", reference_ok ? "ok (checksum of every request's outcome, trades, volume, resting "
                                                     "orders and event counts agree)"
                                                   : "FAILED");
  fmt::print("{}\n", json.text());
  return reference_ok && failures.empty() ? 0 : 1;
}

}  // namespace ringside::bench
