// The egress's settings: command line, or a TOML file (--config) with [egress],
// [kafka] and [data_quality] sections; the command line wins where both are given.
//
//   [egress]
//   rings = ["events"]
//   brokers = "embedded"        # or "host:9092,host2:9092"
//   format = "flatbuffers"      # or "json" (the seed's envelope)
//   create_topics = true
//   state_dir = "/var/lib/ringside"
//   metrics_listen = "127.0.0.1:9091"   # "off" for none
//
//   [kafka]                      # librdkafka properties by name, over the seed's defaults
//   "compression.type" = "lz4"
//   "security.protocol" = "SASL_SSL"
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringside/core/config.hpp"  // DataQualityConfig, ConfigError

namespace ringside::egress {

enum class ValueFormat { FlatBuffers, Json };

using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

// The producer configuration of seeds/000 section 3.4, by librdkafka property
// name. Options override these one by one.
const KafkaProperties& seed_producer_defaults();

struct EgressOptions {
  std::vector<std::string> rings{"events"};
  std::string brokers = "embedded";          // "embedded": librdkafka's mock cluster, in process
  int embedded_brokers = 3;                  // brokers of the embedded cluster
  ValueFormat format = ValueFormat::FlatBuffers;
  bool create_topics = true;                 // the seed's partitions and retention, where allowed
  int replication_factor = -1;               // for created topics; -1: the cluster's default
  std::filesystem::path state_dir;           // empty: default_state_dir()
  std::string metrics_listen = "127.0.0.1:9091";  // HOST:PORT, port 0 for any; "off" for none
  std::size_t max_message_bytes = 1'000'000; // a larger encoded event goes to the dead-letter topic
  std::chrono::milliseconds commit_interval{100};  // how often the state file is rewritten
  std::chrono::milliseconds drain_timeout{30'000}; // on shutdown, how long to wait for acknowledgements
  std::string start = "oldest";              // with no state file: "oldest" or "newest" frame of the ring
  KafkaProperties kafka;                     // overrides of seed_producer_defaults(), in order
  DataQualityConfig data_quality;
  std::uint64_t data_quality_seed = 1;
  bool announce = false;                     // print {"event":"attached",...} lines on stdout (ringside-egress)
};

// $STATE_DIRECTORY (systemd's StateDirectory=), else $RINGSIDE_STATE_DIR, else
// /var/lib/ringside for root and ~/.local/state/ringside for anyone else.
std::filesystem::path default_state_dir();

// Empty when `brokers` is "embedded" or a list HOST:PORT[,HOST:PORT...] (host a
// name, an IPv4 address or a bracketed IPv6 one; port 1-65535); else what is wrong.
std::string brokers_problem(std::string_view brokers);

// The effective librdkafka configuration: the seed's defaults, then `kafka` in order.
KafkaProperties producer_properties(const EgressOptions& o);

EgressOptions load_egress_config(const std::filesystem::path& file, EgressOptions base = {});
EgressOptions parse_egress_config(std::string_view toml_text, std::string_view source_name, EgressOptions base = {});

std::string_view to_string(ValueFormat) noexcept;

}  // namespace ringside::egress
