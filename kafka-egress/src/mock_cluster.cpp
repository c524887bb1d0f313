#include "ringside/egress/mock_cluster.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <charconv>
#include <stdexcept>

namespace ringside::egress {

MockCluster::MockCluster(int brokers) : brokers_(brokers) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The mock's own handle never connects anywhere; keep it from warning that it has no bootstrap servers.
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);
  handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (handle_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(fmt::format("embedded Kafka: {}", error));
  }
  cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
  if (cluster_ == nullptr) {
    rd_kafka_destroy(handle_);
    throw std::runtime_error("embedded Kafka: librdkafka could not start its mock cluster");
  }
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

MockCluster::~MockCluster() {
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(handle_);
}

void MockCluster::create_topic(std::string_view name, int partitions, int replication_factor) {
  const std::string topic(name);
  const auto err = rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, replication_factor);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error(fmt::format("embedded Kafka: create topic {}: {}", topic, rd_kafka_err2str(err)));
  }
}

namespace {
template <typename F>
void for_brokers(int broker, int count, F&& f) {
  if (broker < 0 || broker > count) throw std::out_of_range(fmt::format("no broker {} (brokers are 1..{})", broker, count));
  for (int b = broker == 0 ? 1 : broker; b <= (broker == 0 ? count : broker); ++b) f(b);
}
}  // namespace

void MockCluster::set_down(int broker) {
  for_brokers(broker, brokers_, [&](int b) { rd_kafka_mock_broker_set_down(cluster_, b); });
}
void MockCluster::set_up(int broker) {
  for_brokers(broker, brokers_, [&](int b) { rd_kafka_mock_broker_set_up(cluster_, b); });
}
void MockCluster::set_rtt(int broker, int milliseconds) {
  for_brokers(broker, brokers_, [&](int b) { rd_kafka_mock_broker_set_rtt(cluster_, b, milliseconds); });
}
void MockCluster::push_request_errors(int api, int count, int error) {
  for (int i = 0; i < count; ++i) {
    rd_kafka_mock_push_request_errors(cluster_, static_cast<int16_t>(api), 1, static_cast<rd_kafka_resp_err_t>(error));
  }
}

int kafka_api_key(std::string_view name) noexcept {
  struct Api {
    std::string_view name;
    int key;
  };
  static constexpr Api kApis[] = {{"Produce", 0},         {"Fetch", 1},        {"ListOffsets", 2},
                                  {"Metadata", 3},        {"OffsetCommit", 8}, {"OffsetFetch", 9},
                                  {"FindCoordinator", 10}, {"JoinGroup", 11},  {"Heartbeat", 12},
                                  {"SyncGroup", 14},      {"ApiVersions", 18}, {"CreateTopics", 19},
                                  {"InitProducerId", 22}};
  for (const auto& a : kApis) {
    if (a.name == name) return a.key;
  }
  int key = -1;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), key);
  return ec == std::errc{} && end == name.data() + name.size() && key >= 0 ? key : -1;
}

int kafka_error_code(std::string_view name) noexcept {
  int code = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), code);
  if (ec == std::errc{} && end == name.data() + name.size()) return code;
  const rd_kafka_err_desc* descriptions = nullptr;
  std::size_t count = 0;
  rd_kafka_get_err_descs(&descriptions, &count);
  for (std::size_t i = 0; i < count; ++i) {
    if (descriptions[i].name != nullptr && name == descriptions[i].name) return descriptions[i].code;
  }
  return -1000;
}

}  // namespace ringside::egress
