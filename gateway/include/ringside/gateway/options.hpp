// The gateway's settings: command line, or the [gateway] and [data_quality]
// sections of a TOML file (--config); the command line wins where both are given.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "ringside/core/config.hpp"  // DataQualityConfig, ConfigError

namespace ringside::gateway {

struct ListenAddress {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8765;
};

// "HOST:PORT", "[::1]:PORT" or ":PORT" (all interfaces). Throws std::invalid_argument.
ListenAddress parse_listen(std::string_view text);

enum class StartPoint { Oldest, Newest };

struct GatewayOptions {
  std::vector<std::string> rings{"events"};  // the first is the event ring; others are channels named after them
  ListenAddress listen;
  StartPoint start = StartPoint::Oldest;     // where a reader starts: the oldest frame builds exact books
  int cpu = -1;                              // pin the ring readers here

  // Limits.
  std::size_t max_connections = 1024;        // open TCP connections; the next gets HTTP 503
  std::size_t max_message_bytes = 4096;      // inbound control message; larger ones get an error reply
  std::size_t hard_message_bytes = 64 * 1024;  // larger inbound messages close the connection (1009)
  double rate_limit_per_s = 50;              // inbound messages per second and connection
  double rate_limit_burst = 100;

  // Slow consumers: a client's queue of unsent frames is bounded by both.
  std::size_t queue_max_bytes = 8u << 20;
  std::size_t queue_max_messages = 65536;

  std::chrono::milliseconds heartbeat{1000};    // on idle subscriptions; 0: none
  std::chrono::milliseconds idle_timeout{30000};  // no frame from the client (pings at half); 0: none
  std::chrono::milliseconds close_timeout{5000};  // for the close handshake and the HTTP request

  std::string token;                         // bearer token; empty: none required
  std::vector<std::string> allowed_origins;  // empty: any Origin

  DataQualityConfig data_quality;
  std::uint64_t data_quality_seed = 1;
};

// Reads [gateway] and [data_quality] from a TOML file over `base`. Unknown keys
// and bad values are refused with ConfigError ("FILE:LINE: problem").
GatewayOptions load_gateway_config(const std::filesystem::path& file, GatewayOptions base = {});
GatewayOptions parse_gateway_config(std::string_view toml_text, std::string_view source_name,
                                    GatewayOptions base = {});

}  // namespace ringside::gateway
