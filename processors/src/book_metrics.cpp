#include "ringside/processors/book_metrics.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "ringside/core/wide_int.hpp"

namespace ringside::processors {
namespace {

// Shares in the best `levels` of one side, summed wide and saturated: a hostile
// frame's quantities cannot overflow into a wrong sign.
Volume depth(const PriceLevel* side, std::size_t count, std::size_t levels) noexcept {
  detail::Int128 sum = 0;
  for (std::size_t i = 0; i < std::min(count, levels); ++i) sum += side[i].quantity;
  constexpr auto kMax = std::numeric_limits<Volume>::max();
  constexpr auto kMin = std::numeric_limits<Volume>::min();
  return sum > kMax ? kMax : sum < kMin ? kMin : static_cast<Volume>(sum);
}

}  // namespace

OrderBookMetrics book_metrics_of(const OrderBookSnapshot& s) noexcept {
  OrderBookMetrics m{};
  init_header(m, s.header.symbol, s.header.event_time_ns);
  m.best_bid = s.bid_count > 0 ? s.bids()[0].price : 0;
  m.best_ask = s.ask_count > 0 ? s.asks()[0].price : 0;
  for (std::size_t i = 0; i < kBookMetricDepths; ++i) {
    m.bid_depth[i] = depth(s.bids(), s.bid_count, kBookMetricLevels[i]);
    m.ask_depth[i] = depth(s.asks(), s.ask_count, kBookMetricLevels[i]);
  }
  m.snapshot_sequence = s.sequence_number;
  m.bid_levels = s.bid_count;
  m.ask_levels = s.ask_count;
  return m;
}

void BookMetricsJob::on_event(const FrameHeader& frame, const EventContext& context, RecordSink& out) {
  (void)context;
  const auto& snapshot = reinterpret_cast<const OrderBookSnapshot&>(frame);
  ++counters_.snapshots;
  if (snapshot.bid_count == 0 || snapshot.ask_count == 0) ++counters_.one_sided;
  const OrderBookMetrics m = book_metrics_of(snapshot);
  out.emit(m.header);
}

std::string BookMetricsJob::status() const {
  return fmt::format("snapshots {}, one-sided {}", counters_.snapshots, counters_.one_sided);
}

}  // namespace ringside::processors
