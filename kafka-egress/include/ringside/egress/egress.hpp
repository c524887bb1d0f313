// ringside-egress: the rings into Kafka, losing nothing.
//
// One thread reads each ring as a lossless reader that holds frames until Kafka
// has them: frames are encoded (FlatBuffers or the seed's JSON), routed by type
// to the seed's topics, keyed by symbol (agent id for AgentAction) and produced
// through librdkafka; its delivery reports, served on the same thread, finish
// frames in a DeliveryWindow, whose low edge is released in the ring and
// committed to the state file. A restart resumes at the committed sequence
// (at-least-once: only the unacknowledged tail is sent twice, recognisable by
// the seq header). While brokers are unreachable librdkafka's queue fills, then
// the window, then the ring holds the writer (backpressure), and everything is
// sent when they return. Events that cannot be encoded, are too large, or fail
// for good go to dlq.raw.failed with the reason in headers.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "ringside/egress/metrics.hpp"
#include "ringside/egress/options.hpp"

namespace ringside::egress {

class MockCluster;

// Told of every acknowledged message of a ring event (benchmarks).
class AckObserver {
 public:
  virtual ~AckObserver() = default;
  virtual void acknowledged(std::int64_t publish_time_ns, std::int64_t ack_time_ns) noexcept = 0;
};

class Egress {
 public:
  // Starts the embedded cluster (brokers = "embedded") or configures the
  // producer for the given brokers, and creates topics when asked. Rings are
  // attached by run(), as they appear. Throws std::runtime_error (bad librdkafka
  // property, embedded cluster failure, state directory not writable).
  Egress(EgressOptions options, EgressMetrics& metrics);
  ~Egress();
  Egress(const Egress&) = delete;
  Egress& operator=(const Egress&) = delete;

  const std::string& bootstrap() const noexcept;
  MockCluster* embedded_cluster() noexcept;  // null unless brokers = "embedded"
  void set_ack_observer(AckObserver* observer) noexcept;

  // Reads, produces and commits until `stop` is set, then drains (waits up to
  // drain_timeout for acknowledgements) and commits. Returns the exit status:
  // 0, or 3 after a fatal producer error (the state file holds what was acknowledged).
  int run(const std::atomic<bool>& stop);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ringside::egress
