#include "ringside/egress/options.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>

#include <librdkafka/rdkafka.h>

#include "ringside/core/toml_fields.hpp"
#include "ringside/shm/ring_file.hpp"

namespace ringside::egress {

const KafkaProperties& seed_producer_defaults() {
  static const KafkaProperties defaults{
      {"client.id", "ringside-egress"},
      // Durability: wait for all in-sync replicas; exactly once per partition.
      {"acks", "all"},
      {"enable.idempotence", "true"},
      {"retries", "2147483647"},
      {"max.in.flight.requests.per.connection", "5"},
      // Batching and compression for throughput.
      {"batch.size", "65536"},
      {"linger.ms", "10"},
      {"batch.num.messages", "500"},
      {"compression.type", "snappy"},
      // The in-process buffer that carries the egress through a broker outage.
      {"queue.buffering.max.messages", "100000"},
      {"queue.buffering.max.kbytes", "1048576"},
      {"delivery.timeout.ms", "120000"},
      {"request.timeout.ms", "30000"},
      {"statistics.interval.ms", "60000"},
  };
  return defaults;
}

KafkaProperties producer_properties(const EgressOptions& o) {
  KafkaProperties p = seed_producer_defaults();
  for (const auto& [name, value] : o.kafka) {
    bool replaced = false;
    for (auto& [n, v] : p) {
      if (n == name) {
        v = value;
        replaced = true;
      }
    }
    if (!replaced) p.emplace_back(name, value);
  }
  return p;
}

std::filesystem::path default_state_dir() {
  if (const char* d = std::getenv("STATE_DIRECTORY"); d != nullptr && *d != '\0') {
    // systemd may list several, colon-separated; the first is ours.
    const std::string_view all(d);
    return std::filesystem::path(std::string(all.substr(0, all.find(':'))));
  }
  if (const char* d = std::getenv("RINGSIDE_STATE_DIR"); d != nullptr && *d != '\0') return d;
  if (::geteuid() == 0) return "/var/lib/ringside";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".local/state/ringside";
  }
  return "ringside-state";
}

std::string_view to_string(ValueFormat f) noexcept { return f == ValueFormat::Json ? "json" : "flatbuffers"; }

namespace {

EgressOptions read_options(const TomlFields& f, const toml::table& root, EgressOptions o) {
  f.reject_unknown(root, "at the top level", 1, {"egress", "kafka", "data_quality"});
  if (const toml::node* node = root.get("egress")) {
    const toml::table& t = f.table(*node, "egress");
    f.reject_unknown(t, "in [egress]", TomlFields::line_of(*node),
                     {"rings", "brokers", "embedded_brokers", "format", "create_topics", "replication_factor",
                      "state_dir", "metrics_listen", "max_message_bytes", "commit_interval_ms", "drain_timeout_ms",
                      "start"});
    if (const auto* n = t.get("rings")) {
      o.rings = f.strings(*n, "egress.rings");
      if (o.rings.empty()) f.fail(*n, "egress.rings: at least one ring is required");
      for (const auto& name : o.rings) {
        try {
          shm::check_ring_name(name);
        } catch (const std::exception& e) {
          f.fail(*n, fmt::format("egress.rings: {}", e.what()));
        }
      }
    }
    if (const auto* n = t.get("brokers")) {
      o.brokers = f.string(*n, "egress.brokers");
      if (const std::string problem = brokers_problem(o.brokers); !problem.empty()) {
        f.fail(*n, "egress.brokers: " + problem);
      }
    }
    if (const auto* n = t.get("embedded_brokers")) o.embedded_brokers = static_cast<int>(f.integer(*n, "egress.embedded_brokers", 1, 16));
    if (const auto* n = t.get("format")) {
      const std::string s = f.string(*n, "egress.format");
      if (s == "flatbuffers") {
        o.format = ValueFormat::FlatBuffers;
      } else if (s == "json") {
        o.format = ValueFormat::Json;
      } else {
        f.fail(*n, fmt::format("egress.format: '{}' is not flatbuffers or json", s));
      }
    }
    if (const auto* n = t.get("create_topics")) o.create_topics = f.boolean(*n, "egress.create_topics");
    if (const auto* n = t.get("replication_factor")) o.replication_factor = static_cast<int>(f.integer(*n, "egress.replication_factor", -1, 32));
    if (const auto* n = t.get("state_dir")) o.state_dir = f.string(*n, "egress.state_dir");
    if (const auto* n = t.get("metrics_listen")) o.metrics_listen = f.string(*n, "egress.metrics_listen");
    if (const auto* n = t.get("max_message_bytes")) o.max_message_bytes = static_cast<std::size_t>(f.integer(*n, "egress.max_message_bytes", 64, 1'000'000'000));
    if (const auto* n = t.get("commit_interval_ms")) o.commit_interval = std::chrono::milliseconds(f.integer(*n, "egress.commit_interval_ms", 1, 60'000));
    if (const auto* n = t.get("drain_timeout_ms")) o.drain_timeout = std::chrono::milliseconds(f.integer(*n, "egress.drain_timeout_ms", 0, 3'600'000));
    if (const auto* n = t.get("start")) {
      o.start = f.string(*n, "egress.start");
      if (o.start != "oldest" && o.start != "newest") f.fail(*n, fmt::format("egress.start: '{}' is not oldest or newest", o.start));
    }
  }
  if (const toml::node* node = root.get("kafka")) {
    const toml::table& t = f.table(*node, "kafka");
    const std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)> probe(rd_kafka_conf_new(),
                                                                                  &rd_kafka_conf_destroy);
    for (auto&& [key, value] : t) {
      std::string text;
      if (const auto* s = value.as_string()) {
        text = s->get();
      } else if (const auto* i = value.as_integer()) {
        text = std::to_string(i->get());
      } else if (const auto* b = value.as_boolean()) {
        text = b->get() ? "true" : "false";
      } else if (const auto* d = value.as_floating_point()) {
        text = fmt::format("{}", d->get());
      } else {
        f.fail(value, fmt::format("kafka.\"{}\": expected a string, number or boolean", key.str()));
      }
      // librdkafka judges its own properties; asking it here names the line.
      char error[512];
      if (rd_kafka_conf_set(probe.get(), std::string(key.str()).c_str(), text.c_str(), error, sizeof error) !=
          RD_KAFKA_CONF_OK) {
        f.fail(value, fmt::format("kafka.\"{}\": {}", key.str(), error));
      }
      o.kafka.emplace_back(std::string(key.str()), std::move(text));
    }
  }
  if (const toml::node* node = root.get("data_quality")) o.data_quality = f.data_quality(*node, &o.data_quality_seed);
  return o;
}

}  // namespace

EgressOptions parse_egress_config(std::string_view toml_text, std::string_view source_name, EgressOptions base) {
  const toml::table root = parse_toml(toml_text, source_name);
  return read_options(TomlFields(std::string(source_name)), root, std::move(base));
}

EgressOptions load_egress_config(const std::filesystem::path& file, EgressOptions base) {
  return parse_egress_config(read_config_file(file), file.string(), std::move(base));
}

std::string brokers_problem(std::string_view brokers) {
  constexpr std::string_view kExpected = "expected \"embedded\" or HOST:PORT[,HOST:PORT...]";
  if (brokers == "embedded") return {};
  if (brokers.empty()) return std::string(kExpected);
  std::string_view rest = brokers;
  for (;;) {
    const std::size_t comma = rest.find(',');
    const std::string_view entry = rest.substr(0, comma);
    const std::size_t colon = entry.rfind(':');
    const std::string_view host = colon == std::string_view::npos ? std::string_view{} : entry.substr(0, colon);
    const std::string_view port = colon == std::string_view::npos ? std::string_view{} : entry.substr(colon + 1);
    const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
    const auto host_char = [&](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_' ||
             (bracketed && (c == ':' || c == '[' || c == ']'));
    };
    unsigned long number = 0;
    const bool port_ok = !port.empty() && port.size() <= 5 &&
                         std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                         (number = std::stoul(std::string(port))) >= 1 && number <= 65535;
    if (host.empty() || !std::all_of(host.begin(), host.end(), host_char) || !port_ok) {
      return fmt::format("'{}' is not HOST:PORT ({})", entry, kExpected);
    }
    if (comma == std::string_view::npos) return {};
    rest = rest.substr(comma + 1);
  }
}

}  // namespace ringside::egress
