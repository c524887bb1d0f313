// Job "aggregates": per-symbol tumbling event-time windows of trades (seeds/003
// 2.2), 1, 5 and 15 minutes by default, as TradeAggregate records.
//
// Windows are [k * size, (k + 1) * size) in event time, aligned to the Unix
// epoch. With W the watermark before a trade (pipeline.hpp) and L the allowed
// lateness (30 s by default), a trade of window [start, end):
//   - W < end: on time, added; the window fires once W >= end (revision 0);
//   - end <= W < end + L: late, added, and the window is emitted again at once
//     with the next revision (its first emission if it had no trade before);
//   - W >= end + L: too late, dropped and counted.
// A window's state is freed once W >= end + L. At the end of a stream (the
// writer closed, died or was replaced) every window not yet fired fires.
//
// Open and close are the trades with the smallest and largest (event time, ring
// sequence), so out-of-order trades land where their time says. A window that
// may have lost trades to a gap in the input (the processor was lapped, or
// attached mid-stream) carries kRecordInputGap.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ringside/core/wide_int.hpp"
#include "ringside/processors/job.hpp"
#include "ringside/processors/windows.hpp"

namespace ringside::processors {

struct AggregatesOptions {
  std::vector<std::int64_t> windows_ns{60'000'000'000, 300'000'000'000, 900'000'000'000};
  std::int64_t allowed_lateness_ns = 30'000'000'000;
};

class AggregatesJob final : public Job {
 public:
  // Throws std::invalid_argument for no windows, a non-positive or repeated size, or negative lateness.
  explicit AggregatesJob(AggregatesOptions options);

  std::string_view name() const noexcept override { return "aggregates"; }
  bool reads(EventType type) const noexcept override { return type == EventType::TradeExecuted; }
  void bind(const SymbolTable& symbols) override;
  void on_event(const FrameHeader& frame, const EventContext& context, RecordSink& out) override;
  void on_watermark(const EventContext& context, RecordSink& out) override;
  void on_gap(const Gap& gap) override;
  void end_of_stream(const EventContext& context, RecordSink& out) override;
  std::string status() const override;

  struct Counters {
    std::uint64_t trades = 0;
    std::uint64_t emitted = 0;                // records, first emissions and updates
    std::uint64_t updates = 0;                // emissions with revision > 0
    std::vector<std::uint64_t> late;          // per window size: trades added after their window fired
    std::vector<std::uint64_t> dropped;       // per window size: trades past the allowed lateness
    std::uint64_t out_of_range = 0;           // trades whose event time no window arithmetic can hold
  };
  const Counters& counters() const noexcept { return counters_; }
  const AggregatesOptions& options() const noexcept { return options_; }

 private:
  struct Window {
    std::int64_t start = 0;
    std::int64_t end = 0;
    detail::Int128 volume = 0;   // summed wide: hostile quantities cannot overflow, records saturate
    detail::Int128 value = 0;    // price ticks * quantity
    Ticks open = 0, high = 0, low = 0, close = 0;
    std::int64_t open_time = 0, close_time = 0;
    std::uint64_t open_seq = 0, close_seq = 0;
    std::uint64_t trades = 0, buys = 0, sells = 0;
    std::uint32_t emissions = 0;
    bool fired = false;
    bool gap = false;
  };
  // The live windows of one symbol and size, by start.
  struct Series {
    std::vector<Window> windows;
  };

  void emit(const Window& w, SymbolId symbol, const EventContext& context, RecordSink& out);
  void fire(Window& w, SymbolId symbol, const EventContext& context, RecordSink& out);

  AggregatesOptions options_;
  std::size_t sizes_ = 0;
  std::vector<Series> series_;     // symbol * sizes_ + size index
  RecentGaps gaps_;          // recent input gaps, for windows created after them
  std::int64_t max_window_ns_ = 0;
  Counters counters_;
};

}  // namespace ringside::processors
