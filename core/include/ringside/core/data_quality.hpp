// Data-quality injection (seeds/000 section 2.6) at the edge encoders (gateway
// JSON stream, Kafka egress).
//
// The ring stays exact; only what the edge sends is degraded, as the seed's
// simulator did it: an event is dropped (missing_data_rate), sent twice
// (duplicate_rate) or sent after the event that follows it (out_of_order_rate).
// The gateway's FlatBuffers clients and book channel always see the exact stream. The
// decisions come from a seeded generator, so a run is reproducible.
#pragma once

#include <cstdint>
#include <random>

#include "ringside/core/config.hpp"

namespace ringside {

enum class Injection : std::uint8_t { None, Drop, Duplicate, Delay };

class DataQualityInjector {
 public:
  explicit DataQualityInjector(const DataQualityConfig& config = {}, std::uint64_t seed = 1);

  bool enabled() const noexcept { return enabled_; }
  // One decision per JSON event.
  Injection decide() noexcept;

  std::uint64_t dropped() const noexcept { return dropped_; }
  std::uint64_t duplicated() const noexcept { return duplicated_; }
  std::uint64_t delayed() const noexcept { return delayed_; }

 private:
  bool enabled_;
  double drop_;       // cumulative thresholds on one uniform draw
  double duplicate_;
  double delay_;
  std::mt19937_64 random_;
  std::uint64_t dropped_ = 0;
  std::uint64_t duplicated_ = 0;
  std::uint64_t delayed_ = 0;
};

}  // namespace ringside
