#include "ringside/gateway/options.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <stdexcept>

#include "ringside/core/toml_fields.hpp"
#include "ringside/shm/ring_file.hpp"

namespace ringside::gateway {

ListenAddress parse_listen(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) throw std::invalid_argument(fmt::format("'{}': expected HOST:PORT", text));
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
    throw std::invalid_argument(fmt::format("'{}': port must be 0..65535", text));
  }
  ListenAddress a;
  a.host = host.empty() ? "0.0.0.0" : std::string(host);
  a.port = static_cast<std::uint16_t>(port);
  return a;
}

namespace {

GatewayOptions read_options(const TomlFields& f, const toml::table& root, GatewayOptions o) {
  f.reject_unknown(root, "at the top level", 1, {"gateway", "data_quality"});
  if (const toml::node* node = root.get("gateway")) {
    const toml::table& t = f.table(*node, "gateway");
    const auto at = TomlFields::line_of(*node);
    f.reject_unknown(t, "in [gateway]", at,
                     {"listen", "rings", "start", "cpu", "max_connections", "max_message_bytes", "hard_message_bytes",
                      "rate_limit_per_s", "rate_limit_burst", "queue_max_bytes", "queue_max_messages",
                      "heartbeat_ms", "idle_timeout_ms", "close_timeout_ms", "token", "allowed_origins"});
    if (const auto* n = t.get("listen")) {
      try {
        o.listen = parse_listen(f.string(*n, "gateway.listen"));
      } catch (const std::invalid_argument& e) {
        f.fail(*n, fmt::format("gateway.listen: {}", e.what()));
      }
    }
    if (const auto* n = t.get("rings")) {
      o.rings = f.strings(*n, "gateway.rings");
      if (o.rings.empty()) f.fail(*n, "gateway.rings: at least one ring is required");
      for (const auto& name : o.rings) {
        try {
          shm::check_ring_name(name);
        } catch (const std::exception& e) {
          f.fail(*n, fmt::format("gateway.rings: {}", e.what()));
        }
      }
    }
    if (const auto* n = t.get("start")) {
      const std::string s = f.string(*n, "gateway.start");
      if (s == "oldest") {
        o.start = StartPoint::Oldest;
      } else if (s == "newest") {
        o.start = StartPoint::Newest;
      } else {
        f.fail(*n, fmt::format("gateway.start: '{}' is not oldest or newest", s));
      }
    }
    const auto size = [&](const toml::node& n, std::string_view name, std::int64_t min, std::int64_t max) {
      return static_cast<std::size_t>(f.integer(n, name, min, max));
    };
    if (const auto* n = t.get("cpu")) o.cpu = static_cast<int>(f.integer(*n, "gateway.cpu", -1, 4095));
    if (const auto* n = t.get("max_connections")) o.max_connections = size(*n, "gateway.max_connections", 1, 1'000'000);
    if (const auto* n = t.get("max_message_bytes")) o.max_message_bytes = size(*n, "gateway.max_message_bytes", 64, 1 << 20);
    if (const auto* n = t.get("hard_message_bytes")) o.hard_message_bytes = size(*n, "gateway.hard_message_bytes", 64, 16 << 20);
    if (const auto* n = t.get("rate_limit_per_s")) o.rate_limit_per_s = f.number(*n, "gateway.rate_limit_per_s", 0.001, 1e9);
    if (const auto* n = t.get("rate_limit_burst")) o.rate_limit_burst = f.number(*n, "gateway.rate_limit_burst", 1, 1e9);
    if (const auto* n = t.get("queue_max_bytes")) o.queue_max_bytes = size(*n, "gateway.queue_max_bytes", 4096, std::int64_t{1} << 40);
    if (const auto* n = t.get("queue_max_messages")) o.queue_max_messages = size(*n, "gateway.queue_max_messages", 16, std::int64_t{1} << 32);
    if (const auto* n = t.get("heartbeat_ms")) o.heartbeat = std::chrono::milliseconds(f.integer(*n, "gateway.heartbeat_ms", 0, 3'600'000));
    if (const auto* n = t.get("idle_timeout_ms")) o.idle_timeout = std::chrono::milliseconds(f.integer(*n, "gateway.idle_timeout_ms", 0, 86'400'000));
    if (const auto* n = t.get("close_timeout_ms")) o.close_timeout = std::chrono::milliseconds(f.integer(*n, "gateway.close_timeout_ms", 1, 600'000));
    if (const auto* n = t.get("token")) o.token = f.string(*n, "gateway.token");
    if (const auto* n = t.get("allowed_origins")) o.allowed_origins = f.strings(*n, "gateway.allowed_origins");
    if (o.hard_message_bytes < o.max_message_bytes) {
      f.fail(at, fmt::format("gateway.hard_message_bytes ({}) must be at least max_message_bytes ({})",
                             o.hard_message_bytes, o.max_message_bytes));
    }
  }
  if (const toml::node* node = root.get("data_quality")) o.data_quality = f.data_quality(*node, &o.data_quality_seed);
  return o;
}

}  // namespace

GatewayOptions parse_gateway_config(std::string_view toml_text, std::string_view source_name, GatewayOptions base) {
  const toml::table root = parse_toml(toml_text, source_name);
  return read_options(TomlFields(std::string(source_name)), root, std::move(base));
}

GatewayOptions load_gateway_config(const std::filesystem::path& file, GatewayOptions base) {
  return parse_gateway_config(read_config_file(file), file.string(), std::move(base));
}

}  // namespace ringside::gateway
