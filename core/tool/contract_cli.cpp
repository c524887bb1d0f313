#include "contract_cli.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <optional>
#include <thread>

#include "ringside/core/config.hpp"
#include "ringside/core/embedded_config.hpp"
#include "ringside/core/events.hpp"
#include "ringside/core/flatbuffers_codec.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/core/sample_events.hpp"

namespace ringside::contract_cli {
namespace {

// Set by SIGINT/SIGTERM; the sample loop checks it between events.
std::atomic<bool> g_stop{false};  // relaxed is enough: it only ends a loop, no data rides on it

void on_stop_signal(int) { g_stop.store(true, std::memory_order_relaxed); }

ExchangeConfig load_config(const std::string& path) {
  return path.empty() ? embedded_default_config() : load_exchange_config(path);
}

// A string as a JSON string literal (file names may hold quotes or backslashes).
std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
      continue;
    }
    out += c;
  }
  return out + "\"";
}

int print_config(const std::string& path, bool json) {
  const ExchangeConfig config = load_config(path);
  if (json) {
    fmt::print("{{\"source\":{},\"symbols\":{},\"agents\":{},\"tick_interval_ms\":{},\"snapshot_depth\":{}}}\n",
               json_string(config.source), config.symbols.size(), config.agents.total(), config.simulation.tick_interval_ms,
               config.simulation.snapshot_depth);
    return 0;
  }
  fmt::print("{}: ok\n\n", config.source);
  fmt::print("{:>3}  {:<6} {:<26} {:<12} {:<6} {:>8} {:>10} {:>6}\n", "id", "ticker", "name", "sector", "cap",
             "tick", "initial", "vol");
  for (const Instrument& in : config.symbols) {
    fmt::print("{:>3}  {:<6} {:<26} {:<12} {:<6} {:>8.{}f} {:>10.{}f} {:>6.2f}\n", raw(in.id), in.ticker, in.name,
               in.sector, to_string(in.market_cap), in.scale.tick_size(), in.scale.decimals,
               in.scale.to_double(in.initial_price), in.scale.decimals, in.volatility);
  }
  const AgentCounts& a = config.agents;
  fmt::print("\nagents: {} (retail {}, institutional {}, market makers {}, hft {}, noise {}, informed {})\n",
             a.total(), a.retail_traders, a.institutional_investors, a.market_makers, a.hft_traders,
             a.noise_traders, a.informed_traders);
  const SimulationConfig& s = config.simulation;
  fmt::print("simulation: tick {} ms, snapshot every {} ticks ({} levels), stats every {} ticks\n",
             s.tick_interval_ms, s.snapshot_interval_ticks, s.snapshot_depth, s.stats_interval_ticks);
  fmt::print("data quality injection: {}\n", config.data_quality.enabled ? "enabled" : "disabled");
  return 0;
}

int print_layout(bool json) {
  struct Row {
    EventType type;
    std::size_t min_length;
    std::size_t max_length;
  };
  const Row rows[] = {
      {EventType::OrderPlaced, sizeof(OrderPlaced), sizeof(OrderPlaced)},
      {EventType::TradeExecuted, sizeof(TradeExecuted), sizeof(TradeExecuted)},
      {EventType::QuoteUpdate, sizeof(QuoteUpdate), sizeof(QuoteUpdate)},
      {EventType::OrderBookSnapshot, snapshot_frame_length(0, 0), sizeof(OrderBookSnapshot)},
      {EventType::TradingHalt, sizeof(TradingHalt), sizeof(TradingHalt)},
      {EventType::TradingResume, sizeof(TradingResume), sizeof(TradingResume)},
      {EventType::AgentAction, agent_action_frame_length(0), sizeof(AgentAction)},
      {EventType::MarketStats, sizeof(MarketStats), sizeof(MarketStats)},
      {EventType::OrderCancelled, sizeof(OrderCancelled), sizeof(OrderCancelled)},
      {EventType::TradeAggregate, sizeof(TradeAggregate), sizeof(TradeAggregate)},
      {EventType::PriceAlert, sizeof(PriceAlert), sizeof(PriceAlert)},
      {EventType::OrderBookMetrics, sizeof(OrderBookMetrics), sizeof(OrderBookMetrics)},
      {EventType::EnrichedTrade, sizeof(EnrichedTrade), sizeof(EnrichedTrade)},
      {EventType::OrderFlowImbalance, sizeof(OrderFlowImbalance), sizeof(OrderFlowImbalance)},
  };
  static_assert(sizeof rows / sizeof rows[0] == kEventTypeCount);
  if (json) {
    fmt::print("{{\"schema_version\":{},\"alignment\":{},\"header\":{},\"frames\":{{", kSchemaVersion,
               kFrameAlignment, sizeof(FrameHeader));
    for (std::size_t i = 0; i < std::size(rows); ++i) {
      fmt::print("{}\"{}\":{{\"type\":{},\"min\":{},\"max\":{}}}", i ? "," : "", to_string(rows[i].type),
                 static_cast<int>(rows[i].type), rows[i].min_length, rows[i].max_length);
    }
    fmt::print("}}}}\n");
    return 0;
  }
  fmt::print("schema version {}, frames aligned to {} bytes\n\n", kSchemaVersion, kFrameAlignment);
  fmt::print("FrameHeader ({} bytes): length u32 @0, type u8 @4, schema_version u8 @5, symbol u16 @6,\n"
             "  sequence u64 @8, event_time_ns i64 @16, publish_time_ns i64 @24\n\n",
             sizeof(FrameHeader));
  fmt::print("{:<4} {:<18} {:>10} {:>10}\n", "type", "event", "min bytes", "max bytes");
  for (const Row& r : rows) {
    fmt::print("{:<4} {:<18} {:>10} {:>10}\n", static_cast<int>(r.type), to_string(r.type), r.min_length,
               r.max_length);
  }
  fmt::print("\nOrderBookSnapshot: 48 + 16 per level, at most {} levels a side; AgentAction: 40 + 16 per detail, "
             "at most {} details\n",
             kMaxBookDepth, kMaxAgentDetails);
  return 0;
}

struct SampleOptions {
  std::string config;
  std::uint64_t count = 0;     // 0: until --duration or a signal
  double rate = 0;             // events per second; 0: as fast as possible
  double duration = 0;         // seconds; 0: no limit
  std::uint64_t seed = 1;
  std::string format = "json";
  std::string output;          // empty: stdout
  std::string type;            // only this event type
  bool extremes = false;
  bool progress = false;
};

int sample(const SampleOptions& o) {
  const ExchangeConfig config = load_config(o.config);
  std::optional<EventType> only;
  if (!o.type.empty()) {
    EventType t;
    if (!parse_event_type(o.type, t)) throw CLI::ValidationError("--type", "unknown event type '" + o.type + "'");
    only = t;
  }
  std::FILE* out = stdout;
  if (!o.output.empty()) {
    out = std::fopen(o.output.c_str(), "wb");
    if (out == nullptr) throw std::runtime_error(o.output + ": cannot open for writing");
  }
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto start_wall = std::chrono::system_clock::now().time_since_epoch();
  SampleEvents events(config.symbols, o.seed, std::chrono::duration_cast<std::chrono::nanoseconds>(start_wall).count());
  events.set_extremes(o.extremes);
  JsonEncoder json(config.symbols);
  FlatBuffersEncoder flatbuffers(config.symbols);
  const bool as_json = o.format == "json";

  std::uint64_t written = 0;
  std::uint64_t bytes = 0;
  auto last_report = start;
  std::uint64_t last_written = 0;
  while (!g_stop.load(std::memory_order_relaxed) && (o.count == 0 || written < o.count)) {
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - start).count();
    if (o.duration > 0 && elapsed >= o.duration) break;
    if (o.rate > 0) {
      // Open loop: event n is due at n / rate seconds, whatever happened before.
      const double due = static_cast<double>(written) / o.rate;
      if (due > elapsed) {
        std::fflush(out);
        std::this_thread::sleep_for(std::chrono::duration<double>(std::min(due - elapsed, 0.05)));
        continue;
      }
    }
    const FrameHeader& frame = only ? events.make(*only) : events.next();
    const Encoded encoded = as_json ? json.encode(frame) : flatbuffers.encode(frame);
    if (!encoded) throw std::logic_error(fmt::format("sample produced an invalid frame: {}", to_string(encoded.error)));
    if (as_json) {
      std::fwrite(encoded.bytes.data(), 1, encoded.bytes.size(), out);
      std::fputc('\n', out);
    } else {
      // Length-prefixed: u32 little-endian size, then the FlatBuffer.
      const auto size = static_cast<std::uint32_t>(encoded.bytes.size());
      std::fwrite(&size, sizeof size, 1, out);
      std::fwrite(encoded.bytes.data(), 1, encoded.bytes.size(), out);
    }
    ++written;
    bytes += encoded.bytes.size();
    if (o.progress && now - last_report >= std::chrono::seconds(1)) {
      const double span = std::chrono::duration<double>(now - last_report).count();
      fmt::print(stderr, "sample: {} events, {:.0f}/s, {:.1f} MB\n", written,
                 static_cast<double>(written - last_written) / span, static_cast<double>(bytes) / 1e6);
      last_report = now;
      last_written = written;
    }
  }
  std::fflush(out);
  if (out != stdout) std::fclose(out);
  if (o.progress || g_stop.load(std::memory_order_relaxed)) {
    fmt::print(stderr, "sample: done, {} events, {} bytes{}\n", written, bytes,
               g_stop.load(std::memory_order_relaxed) ? " (stopped by signal)" : "");
  }
  return 0;
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"ringside-contract: check configs, show the frame layout, and emit sample events "
               "in the contract's JSON or FlatBuffers form."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ringside-contract 0.1.0");

  std::string config_file;
  bool config_json = false;
  auto* config_cmd = app.add_subcommand("config", "Validate an exchange config (TOML) and print its instruments; "
                                                  "errors name the file and line. Exit 0 if valid, 2 if not.");
  config_cmd->add_option("file", config_file, "Config file (default: the embedded config/default.toml)");
  config_cmd->add_flag("--json", config_json, "Print a one-line JSON summary instead");

  bool layout_json = false;
  auto* layout_cmd = app.add_subcommand("layout", "Print the binary frame layout: header fields, each event's size");
  layout_cmd->add_flag("--json", layout_json, "Print as JSON");

  SampleOptions so;
  auto* sample_cmd = app.add_subcommand(
      "sample", "Write randomised, valid events (not a market simulation: contents are random) as JSON lines or "
                "length-prefixed FlatBuffers. Stops after --count, --duration, or on Ctrl-C.");
  sample_cmd->add_option("--config", so.config, "Config whose symbols to use (default: embedded default.toml)");
  sample_cmd->add_option("-n,--count", so.count, "Number of events (0 = no limit)");
  sample_cmd->add_option("--rate", so.rate, "Events per second (0 = as fast as possible)")->check(CLI::NonNegativeNumber);
  sample_cmd->add_option("--duration", so.duration, "Stop after this many seconds (0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  sample_cmd->add_option("--seed", so.seed, "Random seed (same seed, same events)");
  sample_cmd->add_option("--format", so.format, "json or flatbuffers")->check(CLI::IsMember({"json", "flatbuffers"}));
  sample_cmd->add_option("--type", so.type, "Only this event type, e.g. TradeExecuted");
  sample_cmd->add_flag("--extremes", so.extremes, "Include extreme values (huge ids and prices, full snapshots)");
  sample_cmd->add_flag("--progress", so.progress, "Report progress on stderr every second");
  sample_cmd->add_option("-o,--output", so.output, "Output file (default: stdout)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (config_cmd->parsed()) return print_config(config_file, config_json);
    if (layout_cmd->parsed()) return print_layout(layout_json);
    if (sample_cmd->parsed()) return sample(so);
  } catch (const ConfigError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return 2;
  } catch (const CLI::Error& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    fmt::print(stderr, "ringside-contract: {}\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace ringside::contract_cli
