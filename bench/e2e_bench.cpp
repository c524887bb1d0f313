// ringside-bench e2e: the whole path an order's consequence takes to a market
// data client: order-entry ring -> ringside-engine -> live ring -> ringside-gateway
// -> WebSocket -> a client.
//
// Processes: the real ringside-engine (--no-agents, busy-polling its order-entry
// rings) pinned to CPU E, the real ringside-gateway (--start newest, JSON) pinned
// to CPU G, and this process pinned to CPU C: its main thread sends orders with
// the order-entry client library (order_flow.hpp: two clients whose orders fill
// each other) and one thread is a WebSocket client (Boost.Beast, blocking reads)
// subscribed to OrderPlaced and TradeExecuted of the symbol.
//
// Latency: order i's intended send time -> the client's parse of the OrderPlaced
// event of that order. Every order causes exactly one OrderPlaced (in the same
// commit as its fills); it names the order by id, external_order_id(client, i + 1),
// written as a UUID that maps back to the id (core/uuid.hpp), with agent_type
// External. Open loop at --rate: the main thread sleeps until each intended time
// (clock_nanosleep, 1 us timer slack) rather than spinning, because on 2 cores it
// shares CPU C with the gateway and the client thread (a spinning sender would take
// the gateway's core); a late wake-up is charged to the order like any other delay.
// The gateway's ring reader sleeps 50 us between polls of an idle ring
// (gateway/src/ring_feed.cpp): at low rates that sleep is part of what is measured.
//
// The first --warmup seconds of orders are sent, checked and not recorded. An order
// whose OrderPlaced never arrives (within 3 s of the last send) is lost; an
// External OrderPlaced that names no order sent, or one seen twice, is unmatched.
// Both, a gap notice from the gateway and any order without its NEW and FILLED
// reports fail the run (JSON "failures").
#include "e2e_bench.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "affinity.hpp"
#include "bench_paths.hpp"
#include "exec_child.hpp"
#include "histogram.hpp"
#include "json_line.hpp"
#include "order_flow.hpp"
#include "processes.hpp"
#include "ringside/core/order_entry.hpp"
#include "ringside/core/uuid.hpp"
#include "tsc_clock.hpp"

namespace ringside::bench {
namespace {

namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

constexpr std::string_view kBench = "e2e";

volatile std::sig_atomic_t g_interrupted = 0;
void on_interrupt(int) { g_interrupted = 1; }

struct Options {
  double rate = 1'000;
  double duration = 3.0;
  double warmup = 0.5;
  std::vector<int> cpus{0, 1, 1};
  std::string out;
  std::string engine = sibling_binary("ringside-engine");
  std::string gateway = sibling_binary("ringside-gateway");
  std::string symbol = "AAPL";
  Quantity quantity = 100;
};

// The WebSocket client: handshake, subscription, then one blocking read per message
// until the socket is shut down under it (the main thread's way to stop it, and to
// bound every wait: a read, a handshake, a subscription).
class WsClient {
 public:
  WsClient(std::uint16_t port, const OrderFlow& flow, std::size_t orders, const TscClock& clock,
           std::size_t warm_orders, std::string subscribe)
      : flow_(flow), clock_(clock), warm_orders_(warm_orders), seen_(orders, 0), socket_(io_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    socket_.set_option(tcp::no_delay(true));
    fd_ = socket_.native_handle();
    thread_ = std::thread([this, s = std::move(subscribe), port] { run(port, s); });
  }
  ~WsClient() { stop(); }
  void stop() {
    stopping_.store(true, std::memory_order_relaxed);
    ::shutdown(fd_, SHUT_RDWR);  // wakes the blocking read with an error
    if (thread_.joinable()) thread_.join();
  }

  // Relaxed: flags and progress figures, each on its own; the results are read after stop().
  std::atomic<int> subscribed{0};  // 1 subscribed, -1 failed
  std::atomic<std::uint64_t> placed{0};
  std::unique_ptr<Histogram> latency = std::make_unique<Histogram>();
  std::uint64_t trades = 0, unmatched = 0, gaps = 0, messages = 0;
  std::string error;  // why the client stopped before it was asked to

 private:
  void run(std::uint16_t port, const std::string& subscribe) {
    try {
      websocket::stream<tcp::socket&> ws(socket_);  // the socket outlives the thread: stop() may shut it down
      ws.handshake(fmt::format("127.0.0.1:{}", port), "/");
      boost::beast::flat_buffer buffer;
      // The gateway knows the symbol once it has attached to the engine's ring:
      // until then the subscription is refused (unknown_symbol) and tried again.
      for (int id = 1; subscribed.load(std::memory_order_relaxed) == 0; ++id) {
        ws.write(net::buffer(fmt::format(R"({{"id":{},)", id) + subscribe));
        for (;;) {
          buffer.clear();
          ws.read(buffer);
          const std::string_view text(static_cast<const char*>(buffer.cdata().data()), buffer.size());
          if (text.find(fmt::format(R"("id":{},)", id)) == std::string_view::npos) continue;
          if (text.find(R"("ok":true)") != std::string_view::npos) subscribed.store(1, std::memory_order_relaxed);
          if (text.find(R"("unknown_symbol")") == std::string_view::npos && subscribed.load() == 0) {
            throw std::runtime_error("subscription refused: " + std::string(text));
          }
          break;
        }
        if (subscribed.load(std::memory_order_relaxed) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      for (;;) {
        buffer.clear();
        ws.read(buffer);
        on_message(std::string_view(static_cast<const char*>(buffer.cdata().data()), buffer.size()), rdtsc());
      }
    } catch (const std::exception& e) {
      if (!stopping_.load(std::memory_order_relaxed)) error = e.what();
      if (subscribed.load(std::memory_order_relaxed) == 0) subscribed.store(-1, std::memory_order_relaxed);
    }
  }

  void on_message(std::string_view text, std::uint64_t now) {
    ++messages;
    const std::string_view head = text.substr(0, 48);
    if (head.find(R"("event_type":"TradeExecuted")") != std::string_view::npos) {
      ++trades;
      return;
    }
    if (head.find(R"("type":"gap")") != std::string_view::npos) ++gaps;
    if (head.find(R"("event_type":"OrderPlaced")") == std::string_view::npos) return;
    constexpr std::string_view kOrderId = R"("order_id":")";
    const auto at = text.find(kOrderId);
    const auto id = at == std::string_view::npos ? std::nullopt : parse_uuid(text.substr(at + kOrderId.size(), kUuidLength));
    if (!id || id->kind != UuidKind::Order || !is_external(OrderId{id->id}) ||
        text.find(R"("agent_type":"External")") == std::string_view::npos) {
      ++unmatched;
      return;
    }
    const std::uint64_t i = client_order_id_of(OrderId{id->id}) - 1;
    if (i >= seen_.size() || seen_[i] != 0) {
      ++unmatched;
      return;
    }
    seen_[i] = 1;
    if (i >= warm_orders_) latency->record(static_cast<std::int64_t>(clock_.ticks_to_ns(static_cast<double>(now - flow_.intended(i)))));
    placed.fetch_add(1, std::memory_order_relaxed);
  }

  const OrderFlow& flow_;
  const TscClock& clock_;
  std::size_t warm_orders_;
  std::vector<std::uint8_t> seen_;
  net::io_context io_;
  tcp::socket socket_;
  int fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
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

void sleep_until_tsc(const TscClock& clock, std::uint64_t tsc) noexcept {
  const std::int64_t ns = clock.to_ns(tsc);  // CLOCK_MONOTONIC
  const timespec at{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) == EINTR) {
  }
}

}  // namespace

int run_e2e(int argc, char** argv) {
  CLI::App app{"ringside-bench e2e: open-loop latency from an order's intended send time (order-entry client "
               "library) through the real ringside-engine, its live ring and the real ringside-gateway to a "
               "WebSocket client's receipt of the order's OrderPlaced event. Ends with one line of JSON."};
  app.name("ringside-bench e2e");
  Options o;
  app.add_option("--rate", o.rate, "orders per second, sent open loop")->check(CLI::Range(1.0, 100'000.0))->capture_default_str();
  app.add_option("--duration", o.duration, "measured seconds")->check(CLI::Range(0.1, 600.0))->capture_default_str();
  app.add_option("--warmup", o.warmup, "seconds of orders sent first and not recorded")->check(CLI::Range(0.0, 60.0))->capture_default_str();
  app.add_option("--cpus", o.cpus, "E,G,C: the engine's CPU, the gateway's, the client's (sender and WebSocket client)")
      ->delimiter(',')->capture_default_str();
  app.add_option("--out", o.out, "directory for the percentile file and the children's logs (default: <build>/bench-results/e2e)");
  app.add_option("--engine", o.engine, "the ringside-engine binary")->capture_default_str();
  app.add_option("--gateway", o.gateway, "the ringside-gateway binary")->capture_default_str();
  app.add_option("--symbol", o.symbol, "the ticker every order is for")->capture_default_str();
  app.add_option("--quantity", o.quantity, "shares per order")->check(CLI::Range(1u, 1'000'000u))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (o.cpus.size() != 3) return usage_error(kBench, "--cpus needs three CPUs: the engine's, the gateway's, the client's");
  if (const std::string bad = check_cpus(o.cpus); !bad.empty()) return usage_error(kBench, bad);
  for (const std::string& b : {o.engine, o.gateway}) {
    if (::access(b.c_str(), X_OK) != 0) return usage_error(kBench, fmt::format("{}: not an executable", b));
  }
  const std::filesystem::path out_dir = o.out.empty() ? default_results_dir("e2e") : std::filesystem::path(o.out);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  spdlog::set_level(spdlog::level::warn);

  const TscClock clock = TscClock::calibrate();
  const ClockOverheads overheads = measure_clock_overheads(clock);
  const auto warm_orders = static_cast<std::size_t>(o.warmup * o.rate);
  const std::size_t total = (warm_orders + static_cast<std::size_t>(o.duration * o.rate) + 1) & ~std::size_t{1};
  fmt::print("e2e: {} (--no-agents) on CPU {}, {} on CPU {}, sender + WebSocket client (this process) on CPU {}; "
             "{:.0f} orders/s open loop, {:.2f} s warm-up + {:.2f} s measured ({} orders), {} x {} shares\n",
             o.engine, o.cpus[0], o.gateway, o.cpus[1], o.cpus[2], o.rate, o.warmup, o.duration, total, o.symbol,
             o.quantity);
  fmt::print("{}\n", describe(clock, overheads));

  std::vector<std::string> failures;
  std::unique_ptr<Histogram> latency = std::make_unique<Histogram>();
  auto lag = std::make_unique<Histogram>();
  std::size_t sent = 0, incomplete = 0;
  std::uint64_t placed = 0, trades = 0, unmatched = 0, gaps = 0, reports = 0, unexpected = 0;
  std::string first_unexpected;
  double seconds = 0;
  try {
    ScratchRingDir ring_dir;
    ExecChild engine("ringside-engine", engine_command(o.engine, o.cpus[0], "events"), o.cpus[0], out_dir / "engine.log");
    if (!pin_to_cpu(o.cpus[2])) throw std::runtime_error(fmt::format("cannot pin to CPU {}", o.cpus[2]));
    ::prctl(PR_SET_TIMERSLACK, 1000UL);  // wake-ups within 1 us of the intended time, not the default 50 us
    auto* const previous_int = std::signal(SIGINT, on_interrupt);
    auto* const previous_term = std::signal(SIGTERM, on_interrupt);
    OrderFlow flow("bench-e2e", o.symbol, o.quantity, total, std::chrono::seconds(10));
    ExecChild gateway("ringside-gateway",
                      {o.gateway, "--ring", "events", "--listen", "127.0.0.1:0", "--start", "newest", "--cpu",
                       std::to_string(o.cpus[1]), "--log-level", "warn"},
                      o.cpus[1], out_dir / "gateway.log", true);
    const auto port_at = gateway.first_line().find(R"("port":)");
    if (port_at == std::string::npos) throw std::runtime_error("ringside-gateway printed no port: " + gateway.first_line());
    const auto port = static_cast<std::uint16_t>(std::atoi(gateway.first_line().c_str() + port_at + 7));
    WsClient ws(port, flow, total, clock, warm_orders,
                fmt::format(R"("op":"subscribe","channels":["OrderPlaced","TradeExecuted"],"symbols":["{}"]}})", o.symbol));
    const auto subscribe_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (ws.subscribed.load(std::memory_order_relaxed) == 0 && std::chrono::steady_clock::now() < subscribe_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (ws.subscribed.load(std::memory_order_relaxed) != 1) {
      ws.stop();
      throw std::runtime_error("the WebSocket client could not subscribe within 10 s: " + ws.error);
    }

    const auto no_report = [](std::size_t, std::uint8_t) {};
    const double ticks_per_order = clock.ticks_per_ns * 1e9 / o.rate;
    const std::uint64_t start = rdtsc() + clock.ns_to_ticks(1e6);
    const std::uint64_t hard_stop = start + clock.ns_to_ticks((o.warmup + o.duration) * 1.5e9 + 2e9);
    for (std::size_t i = 0; i < total; ++i) {
      const std::uint64_t intended = start + static_cast<std::uint64_t>(static_cast<double>(i) * ticks_per_order);
      sleep_until_tsc(clock, intended);
      const std::uint64_t now = rdtsc();
      flow.send(i, intended);
      if (i >= warm_orders) lag->record(static_cast<std::int64_t>(clock.ticks_to_ns(static_cast<double>(now - intended))));
      flow.drain(no_report);  // the engine refuses orders when a client stops reading its reports
      if ((i & 63) == 0) {
        if (g_interrupted != 0) failures.push_back("interrupted");
        if (now > hard_stop) failures.push_back("the sender fell behind its schedule; stopped at the hard deadline");
        for (ExecChild* child : {&engine, &gateway}) {
          if (const std::string end = child->ended(); !end.empty()) failures.push_back(end);
        }
        if (!failures.empty()) break;
      }
    }
    const std::uint64_t last = rdtsc();
    seconds = clock.ticks_to_ns(static_cast<double>(last - start)) / 1e9 - o.warmup;
    // The rest: two reports per order, one OrderPlaced per order.
    const auto drain_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while ((flow.reports() < 2 * flow.sent() || ws.placed.load(std::memory_order_relaxed) < flow.sent()) &&
           std::chrono::steady_clock::now() < drain_deadline && g_interrupted == 0) {
      flow.drain(no_report);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    ws.stop();
    if (!ws.error.empty()) failures.push_back("WebSocket client: " + ws.error);
    sent = flow.sent();
    incomplete = flow.incomplete();
    reports = flow.reports();
    unexpected = flow.unexpected();
    first_unexpected = flow.first_unexpected();
    placed = ws.placed.load();
    trades = ws.trades;
    unmatched = ws.unmatched;
    gaps = ws.gaps;
    latency = std::move(ws.latency);
    for (ExecChild* child : {&gateway, &engine}) {
      if (const std::string end = child->stop(); !end.empty()) failures.push_back(end);
    }
    std::signal(SIGINT, previous_int);
    std::signal(SIGTERM, previous_term);
  } catch (const std::exception& e) {
    failures.push_back(e.what());
  }
  const std::uint64_t lost = sent - std::min<std::uint64_t>(sent, placed);
  if (lost > 0) failures.push_back(fmt::format("{} of {} orders' OrderPlaced never reached the client", lost, sent));
  if (unmatched > 0) failures.push_back(fmt::format("{} OrderPlaced events named no order sent, or one seen before", unmatched));
  if (gaps > 0) failures.push_back(fmt::format("{} gap notices: the gateway was lapped", gaps));
  if (incomplete > 0) failures.push_back(fmt::format("{} of {} orders without their NEW and FILLED reports", incomplete, sent));
  if (unexpected > 0) failures.push_back(fmt::format("{} unexpected reports (first: {})", unexpected, first_unexpected));

  const std::string file = write_hgrm(*latency, out_dir / "order-to-client.hgrm", failures);
  const Percentiles p = percentiles_of(*latency), pl = percentiles_of(*lag);
  const double measured = static_cast<double>(sent > warm_orders ? sent - warm_orders : 0);
  const double orders_per_s = seconds > 0 ? measured / seconds : 0;
  fmt::print("\n{:.0f} orders/s sent ({} orders); the client got {} OrderPlaced ({} lost, {} unmatched) and {} "
             "TradeExecuted; {} reports ({} incomplete orders, {} unexpected); sender's wake-up lag p50 {:.0f} ns, "
             "p99 {:.0f} ns\n",
             orders_per_s, sent, placed, lost, unmatched, trades, reports, incomplete, unexpected, pl.p50, pl.p99);
  fmt::print("order -> WebSocket client, ns from the intended send time\n  {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} "
             "{:>9}\n  {:>9} {:>9.0f} {:>9.0f} {:>9.0f} {:>9.0f} {:>9.0f} {:>9.0f} {:>9.0f}\n",
             "samples", "p50", "p90", "p99", "p99.9", "p99.99", "max", "mean", p.count, p.p50, p.p90, p.p99, p.p999,
             p.p9999, p.max, p.mean);
  fmt::print("percentile file (ns): {}; logs: {}\n", file, (out_dir / "{engine,gateway}.log").string());
  for (const std::string& f : failures) fmt::print("FAILED: {}\n", f);

  JsonObject json;
  json.str("bench", kBench).str("unit", "ns").num("tsc_mhz", clock.ticks_per_ns * 1e3, 3);
  json.integer("engine_cpu", o.cpus[0]).integer("gateway_cpu", o.cpus[1]).integer("client_cpu", o.cpus[2]);
  json.num("rate", o.rate, 0).num("orders_per_s", orders_per_s, 0).num("duration_s", o.duration, 2).num("warmup_s", o.warmup, 2);
  json.integer("orders", sent).integer("order_placed", placed).integer("lost", lost).integer("unmatched", unmatched);
  json.integer("trades", trades).integer("gaps", gaps).integer("reports", reports).integer("incomplete", incomplete);
  json.integer("unexpected", unexpected);
  json.integer("samples", p.count).num("p50", p.p50).num("p90", p.p90).num("p99", p.p99).num("p99_9", p.p999);
  json.num("p99_99", p.p9999).num("max", p.max).num("mean", p.mean).str("file", file);
  json.num("send_lag_p50", pl.p50).num("send_lag_p99", pl.p99).num("send_lag_max", pl.max);
  json.strings("failures", failures);
  json.boolean("all_ok", failures.empty());
  fmt::print("{}\n", json.text());
  return failures.empty() ? 0 : 1;
}

}  // namespace ringside::bench
