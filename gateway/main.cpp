// ringside-gateway: the live rings over WebSocket and HTTP. See gateway/README.md.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <malloc.h>

#include <cstdio>
#include <exception>
#include <string>
#include <system_error>

#include "ringside/core/config.hpp"
#include "ringside/gateway/options.hpp"
#include "ringside/gateway/server.hpp"
#include "ringside/shm/ring_file.hpp"

using namespace ringside;
using namespace ringside::gateway;

int main(int argc, char** argv) {
  // A fixed mmap threshold (glibc's default, 128 KiB) instead of the dynamic
  // one: glibc raises the threshold to the size of any mmapped block freed (a
  // slow client's queue ring, up to 1.5 MiB), after which the 256 KiB batch
  // arenas would come from a thread's heap and their memory stay there when
  // the batch pool frees its surplus. Fixed, they are mmapped and unmapped.
  ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  CLI::App app{
      "ringside-gateway: the live rings over WebSocket and HTTP on one port. Clients get every event of the "
      "event ring as the seed's JSON (or FlatBuffers on request), subscribe by channel and symbol, and get L2 "
      "books; GET / is a live dashboard, /metrics Prometheus text, /healthz the state."};
  std::vector<std::string> rings;
  std::string listen = "127.0.0.1:8765";
  std::string config_file;
  std::string exchange_config;
  std::string start = "oldest";
  std::string log_level = "info";
  int cpu = -1;
  std::size_t max_connections = 0, max_message_bytes = 0, queue_max_bytes = 0, queue_max_messages = 0;
  std::int64_t heartbeat_ms = -1, idle_timeout_ms = -1;
  double rate_limit = 0, rate_burst = 0;
  std::string token;
  std::vector<std::string> origins;
  std::uint64_t dq_seed = 0;

  app.add_option("--ring", rings,
                 "ring to serve; repeat for more. The first is the event ring (the nine event channels and "
                 "books); each further ring is a channel named after it (default: events)");
  app.add_option("--listen", listen, "HOST:PORT to listen on (port 0: any free port)")->capture_default_str();
  app.add_option("--config", config_file, "TOML file with [gateway] and [data_quality] sections")
      ->check(CLI::ExistingFile);
  app.add_option("--exchange-config", exchange_config,
                 "exchange TOML (the engine's): its [data_quality] section applies to the JSON stream")
      ->check(CLI::ExistingFile);
  app.add_option("--start", start, "where readers start: oldest (exact books) or newest")
      ->check(CLI::IsMember({"oldest", "newest"}))
      ->capture_default_str();
  app.add_option("--cpu", cpu, "pin the ring reader threads to this CPU")->check(CLI::NonNegativeNumber);
  app.add_option("--max-connections", max_connections, "open connections; the next gets HTTP 503 (default 1024)");
  app.add_option("--max-message-bytes", max_message_bytes, "largest inbound control message (default 4096)");
  app.add_option("--queue-max-bytes", queue_max_bytes, "a client's queued bytes before it is closed with 1008 (default 8 MiB)");
  app.add_option("--queue-max-messages", queue_max_messages, "a client's queued frames before it is closed with 1008 (default 65536)");
  app.add_option("--heartbeat-ms", heartbeat_ms, "heartbeat on idle subscriptions, ms (default 1000; 0: none)");
  app.add_option("--idle-timeout-ms", idle_timeout_ms, "close a client silent this long; pinged at half (default 30000; 0: none)");
  app.add_option("--rate-limit", rate_limit, "inbound messages per second and connection (default 50)");
  app.add_option("--rate-burst", rate_burst, "inbound burst allowance (default 100)");
  app.add_option("--token", token, "require this bearer token (Authorization header or ?token=)");
  app.add_option("--allow-origin", origins, "allowed Origin for WebSocket upgrades; repeat (default: any)");
  app.add_option("--data-quality-seed", dq_seed, "seed of the data-quality injection (default 1)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // Logs go to stderr; stdout carries only the JSON lines scripts read.
  spdlog::set_default_logger(spdlog::stderr_color_mt("gateway"));
  spdlog::set_level(spdlog::level::from_str(log_level));

  GatewayOptions o;
  try {
    if (!exchange_config.empty()) o.data_quality = load_exchange_config(exchange_config).data_quality;
    if (!config_file.empty()) o = load_gateway_config(config_file, o);
    if (app.count("--listen") > 0 || config_file.empty()) o.listen = parse_listen(listen);
    if (!rings.empty()) {
      for (const auto& r : rings) shm::check_ring_name(r);
      o.rings = rings;
    }
    if (app.count("--start") > 0) o.start = start == "newest" ? StartPoint::Newest : StartPoint::Oldest;
    if (app.count("--cpu") > 0) o.cpu = cpu;
    if (app.count("--max-connections") > 0) o.max_connections = max_connections;
    if (app.count("--max-message-bytes") > 0) o.max_message_bytes = max_message_bytes;
    if (app.count("--queue-max-bytes") > 0) o.queue_max_bytes = queue_max_bytes;
    if (app.count("--queue-max-messages") > 0) o.queue_max_messages = queue_max_messages;
    if (app.count("--heartbeat-ms") > 0) o.heartbeat = std::chrono::milliseconds(heartbeat_ms);
    if (app.count("--idle-timeout-ms") > 0) o.idle_timeout = std::chrono::milliseconds(idle_timeout_ms);
    if (app.count("--rate-limit") > 0) o.rate_limit_per_s = rate_limit;
    if (app.count("--rate-burst") > 0) o.rate_limit_burst = rate_burst;
    if (app.count("--token") > 0) o.token = token;
    if (!origins.empty()) o.allowed_origins = origins;
    if (app.count("--data-quality-seed") > 0) o.data_quality_seed = dq_seed;
    if (o.max_connections == 0 || o.max_message_bytes == 0 || o.queue_max_bytes == 0 || o.queue_max_messages == 0 ||
        o.heartbeat.count() < 0 || o.idle_timeout.count() < 0 || !(o.rate_limit_per_s > 0) || !(o.rate_limit_burst >= 1)) {
      throw std::invalid_argument("limits must be positive (heartbeat and idle timeout may be 0)");
    }
    if (o.hard_message_bytes < o.max_message_bytes) o.hard_message_bytes = o.max_message_bytes;
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "ringside-gateway: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ringside-gateway: %s\n", e.what());
    return 2;
  }

  try {
    Server server(o);
    const std::uint16_t port = server.listen();
    const std::string host = o.listen.host == "0.0.0.0" ? "127.0.0.1" : o.listen.host;
    spdlog::info("listening on {}:{} (rings: {}); dashboard http://{}:{}/", o.listen.host, port, fmt::join(o.rings, ", "),
                 host, port);
    if (o.data_quality.enabled) {
      spdlog::info("data-quality injection on the JSON stream: missing {}, duplicate {}, out of order {}",
                   o.data_quality.missing_data_rate, o.data_quality.duplicate_rate, o.data_quality.out_of_order_rate);
    }
    // One JSON line on stdout for scripts and tests (the port, when 0 was asked for).
    std::printf("{\"event\":\"listening\",\"host\":\"%s\",\"port\":%u,\"url\":\"ws://%s:%u/\",\"dashboard\":\"http://%s:%u/\"}\n",
                o.listen.host.c_str(), static_cast<unsigned>(port), host.c_str(), static_cast<unsigned>(port),
                host.c_str(), static_cast<unsigned>(port));
    std::fflush(stdout);
    server.run();
    std::printf("{\"event\":\"gateway_done\"}\n");
    return 0;
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "ringside-gateway: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ringside-gateway: %s\n", e.what());
    return 1;
  }
}
