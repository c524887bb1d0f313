// Job "book": order-book analytics of seeds/003 2.4 on every OrderBookSnapshot:
// best bid and ask, depth at 5, 10 and 20 levels a side, as OrderBookMetrics
// records (mid, spread, spread in basis points and imbalance are derived from
// them exactly by the encoders, core/derived.hpp). Stateless: one record per
// snapshot, with the snapshot's event time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ringside/processors/job.hpp"

namespace ringside::processors {

// The metrics of one snapshot (header included: its symbol and event time).
OrderBookMetrics book_metrics_of(const OrderBookSnapshot& snapshot) noexcept;

class BookMetricsJob final : public Job {
 public:
  std::string_view name() const noexcept override { return "book"; }
  bool reads(EventType type) const noexcept override { return type == EventType::OrderBookSnapshot; }
  void bind(const SymbolTable& symbols) override { (void)symbols; }
  void on_event(const FrameHeader& frame, const EventContext& context, RecordSink& out) override;
  std::string status() const override;

  struct Counters {
    std::uint64_t snapshots = 0;
    std::uint64_t one_sided = 0;  // a side without levels: no mid, spread 0
  };
  const Counters& counters() const noexcept { return counters_; }

 private:
  Counters counters_;
};

}  // namespace ringside::processors
