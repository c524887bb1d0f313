// An embedded Kafka cluster: librdkafka's mock cluster (rdkafka_mock.h), a
// Kafka-protocol broker set on loopback ports inside this process. Producers,
// consumers, idempotence, topics and headers work as against real brokers;
// messages live in memory (a few MB per partition, oldest dropped first), so it
// serves demos, tests and benchmarks, never storage. It also injects faults:
// brokers down and up, request errors, round-trip delays.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

namespace ringside::egress {

class MockCluster {
 public:
  // Throws std::runtime_error if librdkafka cannot start it.
  explicit MockCluster(int brokers);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  const std::string& bootstrap() const noexcept { return bootstrap_; }  // "127.0.0.1:P1,127.0.0.1:P2,..."
  int brokers() const noexcept { return brokers_; }

  void create_topic(std::string_view name, int partitions, int replication_factor);
  // Broker ids are 1..brokers(); 0 means every broker.
  void set_down(int broker);
  void set_up(int broker);
  void set_rtt(int broker, int milliseconds);
  // The next `count` requests of API `api` (Kafka's api key: Produce is 0) fail with `error`.
  void push_request_errors(int api, int count, int error);

 private:
  rd_kafka_t* handle_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  int brokers_;
  std::string bootstrap_;
};

// Kafka API names for fault injection: "Produce" -> 0, "Metadata" -> 3, ... ; -1 if unknown.
int kafka_api_key(std::string_view name) noexcept;
// librdkafka error names without the RD_KAFKA_RESP_ERR_ prefix ("TOPIC_AUTHORIZATION_FAILED",
// "NOT_LEADER_FOR_PARTITION") or numbers; -1000 if unknown.
int kafka_error_code(std::string_view name) noexcept;

}  // namespace ringside::egress
