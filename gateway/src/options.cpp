#include "ringside/gateway/options.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <toml++/toml.h>

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

using Line = std::uint32_t;

Line line_of(const toml::source_region& region, Line fallback) noexcept {
  return region.begin.line != 0 ? region.begin.line : fallback;
}

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  GatewayOptions read(const toml::table& root, GatewayOptions o) const {
    reject_unknown(root, "at the top level", 1, {"gateway", "data_quality"});
    if (const toml::node* node = root.get("gateway")) {
      const toml::table& t = table(*node, "gateway");
      const Line at = line_of(node->source(), 1);
      reject_unknown(t, "in [gateway]", at,
                     {"listen", "rings", "start", "cpu", "max_connections", "max_message_bytes", "hard_message_bytes",
                      "rate_limit_per_s", "rate_limit_burst", "queue_max_bytes", "queue_max_messages",
                      "heartbeat_ms", "idle_timeout_ms", "close_timeout_ms", "token", "allowed_origins"});
      if (const auto* n = t.get("listen")) {
        try {
          o.listen = parse_listen(string(*n, "gateway.listen"));
        } catch (const std::invalid_argument& e) {
          fail(*n, fmt::format("gateway.listen: {}", e.what()));
        }
      }
      if (const auto* n = t.get("rings")) {
        o.rings = strings(*n, "gateway.rings");
        if (o.rings.empty()) fail(*n, "gateway.rings: at least one ring is required");
        for (const auto& name : o.rings) {
          try {
            shm::check_ring_name(name);
          } catch (const std::exception& e) {
            fail(*n, fmt::format("gateway.rings: {}", e.what()));
          }
        }
      }
      if (const auto* n = t.get("start")) {
        const std::string s = string(*n, "gateway.start");
        if (s == "oldest") {
          o.start = StartPoint::Oldest;
        } else if (s == "newest") {
          o.start = StartPoint::Newest;
        } else {
          fail(*n, fmt::format("gateway.start: '{}' is not oldest or newest", s));
        }
      }
      if (const auto* n = t.get("cpu")) o.cpu = static_cast<int>(integer(*n, "gateway.cpu", -1, 4095));
      if (const auto* n = t.get("max_connections")) o.max_connections = integer(*n, "gateway.max_connections", 1, 1'000'000);
      if (const auto* n = t.get("max_message_bytes")) o.max_message_bytes = integer(*n, "gateway.max_message_bytes", 64, 1 << 20);
      if (const auto* n = t.get("hard_message_bytes")) o.hard_message_bytes = integer(*n, "gateway.hard_message_bytes", 64, 16 << 20);
      if (const auto* n = t.get("rate_limit_per_s")) o.rate_limit_per_s = number(*n, "gateway.rate_limit_per_s", 0.001, 1e9);
      if (const auto* n = t.get("rate_limit_burst")) o.rate_limit_burst = number(*n, "gateway.rate_limit_burst", 1, 1e9);
      if (const auto* n = t.get("queue_max_bytes")) o.queue_max_bytes = integer(*n, "gateway.queue_max_bytes", 4096, std::int64_t{1} << 40);
      if (const auto* n = t.get("queue_max_messages")) o.queue_max_messages = integer(*n, "gateway.queue_max_messages", 16, std::int64_t{1} << 32);
      if (const auto* n = t.get("heartbeat_ms")) o.heartbeat = std::chrono::milliseconds(integer(*n, "gateway.heartbeat_ms", 0, 3'600'000));
      if (const auto* n = t.get("idle_timeout_ms")) o.idle_timeout = std::chrono::milliseconds(integer(*n, "gateway.idle_timeout_ms", 0, 86'400'000));
      if (const auto* n = t.get("close_timeout_ms")) o.close_timeout = std::chrono::milliseconds(integer(*n, "gateway.close_timeout_ms", 1, 600'000));
      if (const auto* n = t.get("token")) o.token = string(*n, "gateway.token");
      if (const auto* n = t.get("allowed_origins")) o.allowed_origins = strings(*n, "gateway.allowed_origins");
      if (o.hard_message_bytes < o.max_message_bytes) {
        fail(at, fmt::format("gateway.hard_message_bytes ({}) must be at least max_message_bytes ({})",
                             o.hard_message_bytes, o.max_message_bytes));
      }
    }
    if (const toml::node* node = root.get("data_quality")) {
      const toml::table& t = table(*node, "data_quality");
      reject_unknown(t, "in [data_quality]", line_of(node->source(), 1),
                     {"enabled", "duplicate_rate", "out_of_order_rate", "missing_data_rate", "seed"});
      DataQualityConfig q;
      if (const auto* n = t.get("enabled")) {
        const auto* b = n->as_boolean();
        if (b == nullptr) fail(*n, "data_quality.enabled: expected a boolean");
        q.enabled = b->get();
      }
      if (const auto* n = t.get("duplicate_rate")) q.duplicate_rate = number(*n, "data_quality.duplicate_rate", 0, 1);
      if (const auto* n = t.get("out_of_order_rate")) q.out_of_order_rate = number(*n, "data_quality.out_of_order_rate", 0, 1);
      if (const auto* n = t.get("missing_data_rate")) q.missing_data_rate = number(*n, "data_quality.missing_data_rate", 0, 1);
      if (q.duplicate_rate + q.out_of_order_rate + q.missing_data_rate > 1.0) {
        fail(*node, "data_quality: the three rates add up to more than 1.0");
      }
      if (const auto* n = t.get("seed")) o.data_quality_seed = integer(*n, "data_quality.seed", 0, INT64_MAX);
      o.data_quality = q;
    }
    return o;
  }

 private:
  [[noreturn]] void fail(Line line, std::string problem) const {
    throw ConfigError(file_, std::max<Line>(line, 1), std::move(problem));
  }
  [[noreturn]] void fail(const toml::node& node, std::string problem) const {
    fail(line_of(node.source(), 1), std::move(problem));
  }

  void reject_unknown(const toml::table& t, std::string_view where, Line at,
                      std::initializer_list<std::string_view> allowed) const {
    const toml::key* first = nullptr;
    for (auto&& [key, node] : t) {
      const bool known = std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end();
      if (!known && (first == nullptr || key.source().begin.line < first->source().begin.line)) first = &key;
    }
    if (first == nullptr) return;
    fail(line_of(first->source(), at),
         fmt::format("unknown key '{}' {} (allowed: {})", first->str(), where, fmt::join(allowed, ", ")));
  }

  const toml::table& table(const toml::node& node, std::string_view name) const {
    const auto* t = node.as_table();
    if (t == nullptr) fail(node, fmt::format("{}: expected a table", name));
    return *t;
  }

  std::string string(const toml::node& node, std::string_view name) const {
    const auto* s = node.as_string();
    if (s == nullptr) fail(node, fmt::format("{}: expected a string", name));
    return s->get();
  }

  std::vector<std::string> strings(const toml::node& node, std::string_view name) const {
    const auto* a = node.as_array();
    if (a == nullptr) fail(node, fmt::format("{}: expected an array of strings", name));
    std::vector<std::string> out;
    for (const toml::node& element : *a) {
      const auto* s = element.as_string();
      if (s == nullptr) fail(element.source().begin.line != 0 ? element : node, fmt::format("{}: expected strings", name));
      out.push_back(s->get());
    }
    return out;
  }

  std::size_t integer(const toml::node& node, std::string_view name, std::int64_t min, std::int64_t max) const {
    const auto* i = node.as_integer();
    if (i == nullptr) fail(node, fmt::format("{}: expected an integer", name));
    const std::int64_t v = i->get();
    if (v < min || v > max) fail(node, fmt::format("{}: {} is out of range (allowed {}..{})", name, v, min, max));
    return static_cast<std::size_t>(v);
  }

  double number(const toml::node& node, std::string_view name, double min, double max) const {
    double v = 0;
    if (const auto* i = node.as_integer()) {
      v = static_cast<double>(i->get());
    } else if (const auto* f = node.as_floating_point()) {
      v = f->get();
    } else {
      fail(node, fmt::format("{}: expected a number", name));
    }
    if (!std::isfinite(v) || v < min || v > max) {
      fail(node, fmt::format("{}: {} is out of range (allowed {}..{})", name, v, min, max));
    }
    return v;
  }

  std::string file_;
};

}  // namespace

GatewayOptions parse_gateway_config(std::string_view toml_text, std::string_view source_name, GatewayOptions base) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(std::string(source_name), std::max<std::uint32_t>(e.source().begin.line, 1),
                      std::string(e.description()));
  }
  return Reader(std::string(source_name)).read(root, std::move(base));
}

GatewayOptions load_gateway_config(const std::filesystem::path& file, GatewayOptions base) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file.string(), 0, "cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_gateway_config(text.str(), file.string(), std::move(base));
}

}  // namespace ringside::gateway
