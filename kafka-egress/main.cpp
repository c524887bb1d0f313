// ringside-egress: the rings into Kafka. See kafka-egress/README.md.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <exception>
#include <fstream>
#include <optional>

#include "ringside/egress/egress.hpp"
#include "ringside/egress/metrics.hpp"
#include "ringside/egress/metrics_server.hpp"
#include "ringside/egress/options.hpp"
#include "ringside/shm/ring_file.hpp"

using namespace ringside;
using namespace ringside::egress;

namespace {
std::atomic<bool> g_stop{false};
// Relaxed: the flag is the whole message, and a lock-free atomic store is
// async-signal-safe.
static_assert(std::atomic<bool>::is_always_lock_free);
void on_signal(int) { g_stop.store(true, std::memory_order_relaxed); }
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "ringside-egress: every event of the rings into Kafka, losing nothing. Routed by type to the seed's topics "
      "(raw.orders, raw.trades, raw.quotes, raw.orderbook-snapshots, raw.market-stats, raw.trading-halts, "
      "raw.agent-actions; failures to dlq.raw.failed), keyed by symbol (agent id for AgentAction), FlatBuffers or "
      "JSON values. With no brokers given it starts an embedded Kafka (librdkafka's mock cluster) and prints its "
      "address. Progress is committed to a state file; a restart resumes there."};
  std::vector<std::string> rings;
  std::string brokers, config_file, format, state_dir, metrics_listen, start, bootstrap_file;
  std::string log_level = "info";
  std::vector<std::string> properties;
  int embedded_brokers = 0;
  bool no_create_topics = false;
  std::size_t max_message_bytes = 0;
  app.add_option("--ring", rings, "ring to send; repeat for more (default: events)");
  app.add_option("--brokers", brokers,
                 "\"embedded\" (default: librdkafka's mock cluster in this process) or HOST:PORT[,HOST:PORT...]");
  app.add_option("--config", config_file, "TOML file with [egress], [kafka] (librdkafka properties) and [data_quality]")
      ->check(CLI::ExistingFile);
  app.add_option("--format", format, "message values: flatbuffers (default) or json (the seed's envelope)")
      ->check(CLI::IsMember({"flatbuffers", "json"}));
  app.add_option("-X,--property", properties, "librdkafka property NAME=VALUE over the defaults; repeat");
  app.add_option("--state-dir", state_dir,
                 "where committed positions live (default: $STATE_DIRECTORY, $RINGSIDE_STATE_DIR, /var/lib/ringside "
                 "for root, else ~/.local/state/ringside)");
  app.add_option("--metrics-listen", metrics_listen, "HOST:PORT for /metrics and /healthz (port 0: any; off: none; "
                                                     "default 127.0.0.1:9091)");
  app.add_option("--start", start, "with no committed position: the oldest (default) or newest frame of the ring")
      ->check(CLI::IsMember({"oldest", "newest"}));
  app.add_option("--embedded-brokers", embedded_brokers, "brokers of the embedded cluster (default 3)")
      ->check(CLI::Range(1, 16));
  app.add_flag("--no-create-topics", no_create_topics, "do not create the seed's topics");
  app.add_option("--max-message-bytes", max_message_bytes,
                 "an encoded event larger than this goes to dlq.raw.failed (default 1000000)");
  app.add_option("--bootstrap-file", bootstrap_file, "write the brokers' bootstrap address to this file once started");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // Logs go to stderr; stdout carries only JSON lines for scripts.
  spdlog::set_default_logger(spdlog::stderr_color_mt("egress"));
  spdlog::set_level(spdlog::level::from_str(log_level));

  EgressOptions o;
  try {
    if (!config_file.empty()) o = load_egress_config(config_file, o);
    if (!rings.empty()) {
      for (const auto& r : rings) shm::check_ring_name(r);
      o.rings = rings;
    }
    if (!brokers.empty()) {
      if (const std::string problem = brokers_problem(brokers); !problem.empty()) {
        throw std::invalid_argument("--brokers: " + problem);
      }
      o.brokers = brokers;
    }
    if (!format.empty()) o.format = format == "json" ? ValueFormat::Json : ValueFormat::FlatBuffers;
    for (const auto& p : properties) {
      const auto eq = p.find('=');
      if (eq == std::string::npos || eq == 0) throw std::invalid_argument(fmt::format("--property '{}': expected NAME=VALUE", p));
      o.kafka.emplace_back(p.substr(0, eq), p.substr(eq + 1));
    }
    if (!state_dir.empty()) o.state_dir = state_dir;
    if (!metrics_listen.empty()) o.metrics_listen = metrics_listen;
    if (!start.empty()) o.start = start;
    if (embedded_brokers != 0) o.embedded_brokers = embedded_brokers;
    if (no_create_topics) o.create_topics = false;
    if (max_message_bytes != 0) o.max_message_bytes = max_message_bytes;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ringside-egress: %s\n", e.what());
    return 2;
  }

  o.announce = true;  // stdout carries the JSON lines scripts read
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    EgressMetrics metrics(o.rings);
    Egress egress(o, metrics);
    std::optional<MetricsServer> server;
    if (o.metrics_listen != "off") server.emplace(metrics, o.metrics_listen);
    if (o.brokers == "embedded") {
      spdlog::info("embedded Kafka (librdkafka mock cluster, {} brokers) at {}; consume with e.g. "
                   "kcat -C -b {} -t raw.trades",
                   o.embedded_brokers, egress.bootstrap(), egress.bootstrap());
    }
    spdlog::info("sending rings [{}] to {} as {}; state in {}; metrics {}", fmt::join(o.rings, ", "),
                 egress.bootstrap(), to_string(o.format), (o.state_dir.empty() ? default_state_dir() : o.state_dir).string(),
                 server ? "http://" + server->address() + "/metrics" : std::string("off"));
    std::fputs(fmt::format("{{\"event\":\"ready\",\"bootstrap\":\"{}\",\"embedded\":{},\"metrics\":\"{}\"}}\n",
                           egress.bootstrap(), o.brokers == "embedded", server ? server->address() : "")
                   .c_str(),
               stdout);
    std::fflush(stdout);
    if (!bootstrap_file.empty()) {
      std::ofstream(bootstrap_file) << egress.bootstrap() << '\n';
    }
    return egress.run(g_stop);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
