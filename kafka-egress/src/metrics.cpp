#include "ringside/egress/metrics.hpp"

#include <fmt/format.h>

#include <iterator>

namespace ringside::egress {

std::string_view to_string(DeadLetterReason r) noexcept {
  switch (r) {
    case DeadLetterReason::Encode: return "encode";
    case DeadLetterReason::TooLarge: return "too_large";
    case DeadLetterReason::Delivery: return "delivery";
  }
  return "";
}

void LatencyHistogram::observe(std::int64_t ns) noexcept {
  if (ns < 0) ns = 0;
  const double seconds = static_cast<double>(ns) * 1e-9;
  std::size_t i = 0;
  while (i < kLatencyBuckets.size() && seconds > kLatencyBuckets[i]) ++i;
  buckets[i].add();
  count.add();
  sum_ns.add(static_cast<std::uint64_t>(ns));
}

EgressMetrics::EgressMetrics(const std::vector<std::string>& ring_names) {
  brokers_up.set(1);
  for (const auto& name : ring_names) {
    rings.push_back(std::make_unique<RingMetrics>());
    rings.back()->ring = name;
  }
}

std::string EgressMetrics::render() const {
  std::string out;
  auto add = std::back_inserter(out);
  const auto header = [&](std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(add, "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  header("ringside_egress_messages_produced_total", "counter", "Messages acknowledged by Kafka, by topic and event type");
  for (std::size_t t = 0; t < kTopicCount; ++t) {
    const auto topic = kTopics[t].name;
    for (std::size_t e = 0; e <= kEventTypeCount; ++e) {
      const auto n = produced[t][e].get();
      if (n == 0) continue;
      const auto type = e == 0 ? std::string_view("DeadLetter") : to_string(static_cast<EventType>(e));
      fmt::format_to(add, "ringside_egress_messages_produced_total{{topic=\"{}\",event_type=\"{}\"}} {}\n", topic, type, n);
    }
  }
  header("ringside_egress_messages_failed_total", "counter", "Messages whose delivery failed for good (then dead-lettered)");
  for (std::size_t t = 0; t < kTopicCount; ++t) {
    fmt::format_to(add, "ringside_egress_messages_failed_total{{topic=\"{}\"}} {}\n", kTopics[t].name, failed[t].get());
  }
  header("ringside_egress_messages_retried_total", "counter", "Messages sent again after their delivery timed out");
  for (std::size_t t = 0; t < kTopicCount; ++t) {
    fmt::format_to(add, "ringside_egress_messages_retried_total{{topic=\"{}\"}} {}\n", kTopics[t].name, retried[t].get());
  }
  header("ringside_egress_dlq_messages_total", "counter", "Events sent to dlq.raw.failed, by original topic and reason");
  for (std::size_t t = 0; t < kTopicCount; ++t) {
    for (std::size_t r = 0; r < kDeadLetterReasons; ++r) {
      fmt::format_to(add, "ringside_egress_dlq_messages_total{{original_topic=\"{}\",reason=\"{}\"}} {}\n",
                     kTopics[t].name, to_string(static_cast<DeadLetterReason>(r)), dead_letters[t][r].get());
    }
  }
  header("ringside_egress_dlq_failures_total", "counter", "Dead letters that could not be delivered either (logged)");
  fmt::format_to(add, "ringside_egress_dlq_failures_total {}\n", dead_letter_failures.get());
  header("ringside_egress_produce_latency_seconds", "histogram",
         "Ring publish to Kafka acknowledgement, by topic");
  for (std::size_t t = 0; t < kTopicCount; ++t) {
    const LatencyHistogram& h = latency[t];
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kLatencyBuckets.size(); ++b) {
      cumulative += h.buckets[b].get();
      fmt::format_to(add, "ringside_egress_produce_latency_seconds_bucket{{topic=\"{}\",le=\"{}\"}} {}\n",
                     kTopics[t].name, kLatencyBuckets[b], cumulative);
    }
    cumulative += h.buckets.back().get();
    fmt::format_to(add, "ringside_egress_produce_latency_seconds_bucket{{topic=\"{}\",le=\"+Inf\"}} {}\n",
                   kTopics[t].name, cumulative);
    fmt::format_to(add, "ringside_egress_produce_latency_seconds_sum{{topic=\"{}\"}} {:.9f}\n", kTopics[t].name,
                   static_cast<double>(h.sum_ns.get()) * 1e-9);
    fmt::format_to(add, "ringside_egress_produce_latency_seconds_count{{topic=\"{}\"}} {}\n", kTopics[t].name,
                   h.count.get());
  }
  header("ringside_egress_queue_depth", "gauge", "Messages in librdkafka's queue, not yet acknowledged");
  fmt::format_to(add, "ringside_egress_queue_depth {}\n", queue_depth.get());
  header("ringside_egress_brokers_up", "gauge", "0 while librdkafka reports every broker down (the egress buffers)");
  fmt::format_to(add, "ringside_egress_brokers_up {}\n", brokers_up.get());
  header("ringside_egress_data_quality_total", "counter", "Data-quality injection (seeds/000 section 2.6) by action");
  fmt::format_to(add, "ringside_egress_data_quality_total{{action=\"dropped\"}} {}\n", dq_dropped.get());
  fmt::format_to(add, "ringside_egress_data_quality_total{{action=\"duplicated\"}} {}\n", dq_duplicated.get());
  fmt::format_to(add, "ringside_egress_data_quality_total{{action=\"delayed\"}} {}\n", dq_delayed.get());
  const auto per_ring = [&](std::string_view name, std::string_view type, std::string_view help, auto field) {
    header(name, type, help);
    for (const auto& r : rings) fmt::format_to(add, "{}{{ring=\"{}\"}} {}\n", name, r->ring, field(*r).get());
  };
  per_ring("ringside_egress_frames_read_total", "counter", "Frames read from the ring",
           [](const RingMetrics& r) -> const Counter& { return r.frames_read; });
  per_ring("ringside_egress_committed_sequence", "gauge", "Every frame below this sequence is acknowledged",
           [](const RingMetrics& r) -> const Counter& { return r.committed_sequence; });
  per_ring("ringside_egress_ring_lag_frames", "gauge", "Frames published to the ring and not yet acknowledged",
           [](const RingMetrics& r) -> const Counter& { return r.lag_frames; });
  per_ring("ringside_egress_in_flight_frames", "gauge", "Frames read and not yet acknowledged",
           [](const RingMetrics& r) -> const Counter& { return r.in_flight_frames; });
  per_ring("ringside_egress_lost_frames_total", "counter",
           "Frames overwritten in the ring before the egress read them (it was stopped or evicted too long)",
           [](const RingMetrics& r) -> const Counter& { return r.lost_frames; });
  per_ring("ringside_egress_ring_generation", "gauge", "Generation of the ring being read",
           [](const RingMetrics& r) -> const Counter& { return r.generation; });
  per_ring("ringside_egress_ring_attached", "gauge", "1 while the ring's writer is live",
           [](const RingMetrics& r) -> const Counter& { return r.attached; });
  return out;
}

}  // namespace ringside::egress
