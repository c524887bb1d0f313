// The egress's figures (seeds/000 section 3.6), kept by the egress thread and
// rendered as Prometheus text by the metrics thread. Every field is an atomic
// with relaxed order: each is an independent counter or gauge, written by one
// thread, and a scrape needs no consistency between fields.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ringside/core/frame.hpp"
#include "ringside/egress/topics.hpp"

namespace ringside::egress {

enum class DeadLetterReason : std::uint8_t { Encode, TooLarge, Delivery };
inline constexpr std::size_t kDeadLetterReasons = 3;
std::string_view to_string(DeadLetterReason) noexcept;

// Ring-to-acknowledgement latency buckets, in seconds (the seed's).
inline constexpr std::array<double, 9> kLatencyBuckets{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};

struct Counter {
  std::atomic<std::uint64_t> value{0};
  void add(std::uint64_t n = 1) noexcept { value.fetch_add(n, std::memory_order_relaxed); }
  void set(std::uint64_t n) noexcept { value.store(n, std::memory_order_relaxed); }
  std::uint64_t get() const noexcept { return value.load(std::memory_order_relaxed); }
};

struct LatencyHistogram {
  std::array<Counter, kLatencyBuckets.size() + 1> buckets;  // the last is +Inf
  Counter count;
  Counter sum_ns;
  void observe(std::int64_t ns) noexcept;
};

struct RingMetrics {
  std::string ring;
  Counter frames_read;
  Counter committed_sequence;   // next_sequence in the state file
  Counter lag_frames;           // published by the writer, not yet acknowledged
  Counter in_flight_frames;
  Counter lost_frames;          // overwritten before the egress read them (it was away too long)
  Counter generation;
  Counter attached;             // 1 while attached to a live writer
};

struct EgressMetrics {
  explicit EgressMetrics(const std::vector<std::string>& rings);

  // [topic][event type 1..9]; index 0 of the type for dead letters' own count.
  std::array<std::array<Counter, kEventTypeCount + 1>, kTopicCount> produced;
  std::array<Counter, kTopicCount> failed;       // delivery failed for good
  std::array<Counter, kTopicCount> retried;      // re-sent after a timeout
  std::array<std::array<Counter, kDeadLetterReasons>, kTopicCount> dead_letters;  // by original topic
  Counter dead_letter_failures;                  // a dead letter that could not be delivered either
  std::array<LatencyHistogram, kTopicCount> latency;
  Counter queue_depth;                           // librdkafka's outq: messages not yet acknowledged
  Counter brokers_up;                            // 0 while librdkafka reports all brokers down
  Counter dq_dropped, dq_duplicated, dq_delayed;
  std::vector<std::unique_ptr<RingMetrics>> rings;

  std::string render() const;
};

}  // namespace ringside::egress
