#include "ringside/processors/aggregates.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "ringside/core/derived.hpp"
#include "ringside/core/iso_time.hpp"

namespace ringside::processors {
namespace {

using detail::Int128;

std::string per_size(const std::vector<std::uint64_t>& counts) {
  std::string out;
  for (std::size_t i = 0; i < counts.size(); ++i) out += fmt::format("{}{}", i == 0 ? "" : "/", counts[i]);
  return out;
}

}  // namespace

AggregatesJob::AggregatesJob(AggregatesOptions options) : options_(std::move(options)) {
  if (options_.windows_ns.empty()) throw std::invalid_argument("aggregates: no window sizes");
  for (std::size_t i = 0; i < options_.windows_ns.size(); ++i) {
    const std::int64_t size = options_.windows_ns[i];
    if (size <= 0 || size > kSpanLimit) {
      throw std::invalid_argument("aggregates: window sizes must be positive (and below 36 years)");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (options_.windows_ns[j] == size) throw std::invalid_argument("aggregates: a window size is given twice");
    }
    max_window_ns_ = std::max(max_window_ns_, size);
  }
  if (options_.allowed_lateness_ns < 0 || options_.allowed_lateness_ns > kSpanLimit) {
    throw std::invalid_argument("aggregates: the allowed lateness must not be negative (nor above 36 years)");
  }
  sizes_ = options_.windows_ns.size();
  counters_.late.assign(sizes_, 0);
  counters_.dropped.assign(sizes_, 0);
}

void AggregatesJob::bind(const SymbolTable& symbols) {
  series_.assign(symbols.size() * sizes_, Series{});
  gaps_.clear();
  next_timer_ns_ = kNoTimer;
}

void AggregatesJob::on_event(const FrameHeader& frame, const EventContext& context, RecordSink& out) {
  const auto& trade = reinterpret_cast<const TradeExecuted&>(frame);
  const std::int64_t t = frame.event_time_ns;
  if (t < -kTimeLimit || t > kTimeLimit) {
    ++counters_.out_of_range;
    return;
  }
  ++counters_.trades;
  const std::int64_t watermark = context.watermark_ns;
  const std::int64_t lateness = options_.allowed_lateness_ns;
  const std::size_t symbol = raw(frame.symbol);
  for (std::size_t k = 0; k < sizes_; ++k) {
    const std::int64_t size = options_.windows_ns[k];
    const std::int64_t start = floor_div(t, size) * size;
    const std::int64_t end = start + size;
    if (watermark >= end + lateness) {
      ++counters_.dropped[k];
      continue;
    }
    Window& w = open_window(series_[symbol * sizes_ + k].windows, start, end, gaps_);
    const Int128 quantity = trade.quantity;
    if (w.trades == 0) {
      w.open = w.high = w.low = w.close = trade.price;
      w.open_time = w.close_time = t;
      w.open_seq = w.close_seq = frame.sequence;
    } else {
      w.high = std::max(w.high, trade.price);
      w.low = std::min(w.low, trade.price);
      if (std::pair(t, frame.sequence) < std::pair(w.open_time, w.open_seq)) {
        w.open = trade.price;
        w.open_time = t;
        w.open_seq = frame.sequence;
      }
      if (std::pair(t, frame.sequence) > std::pair(w.close_time, w.close_seq)) {
        w.close = trade.price;
        w.close_time = t;
        w.close_seq = frame.sequence;
      }
    }
    w.volume += quantity;
    w.value += quantity * trade.price;
    ++w.trades;
    if (trade.aggressor_side == Side::Buy) {
      ++w.buys;
    } else {
      ++w.sells;
    }
    if (watermark >= end) {
      // Late: the window's firing time has passed (it fired already, or this is
      // its first trade); it is emitted again now, and kept until end + lateness.
      ++counters_.late[k];
      fire(w, frame.symbol, context, out);
      next_timer_ns_ = std::min(next_timer_ns_, end + lateness);
    } else {
      next_timer_ns_ = std::min(next_timer_ns_, end);
    }
  }
}

void AggregatesJob::emit(const Window& w, SymbolId symbol, const EventContext& context, RecordSink& out) {
  TradeAggregate r{};
  init_header(r, symbol, w.end);
  r.window_start_ns = w.start;
  r.window_end_ns = w.end;
  r.computed_at_ns = context.wall_ns;
  r.total_volume = saturate(w.volume);
  r.total_value_ticks = saturate(w.value);
  r.open = w.open;
  r.high = w.high;
  r.low = w.low;
  r.close = w.close;
  r.trade_count = w.trades;
  r.buy_count = w.buys;
  r.sell_count = w.sells;
  r.revision = static_cast<std::uint16_t>(std::min<std::uint32_t>(w.emissions, UINT16_MAX));
  r.flags = w.gap ? kRecordInputGap : 0;
  out.emit(r.header);
  ++counters_.emitted;
  if (w.emissions != 0) ++counters_.updates;
}

void AggregatesJob::fire(Window& w, SymbolId symbol, const EventContext& context, RecordSink& out) {
  emit(w, symbol, context, out);
  ++w.emissions;
  w.fired = true;
}

void AggregatesJob::on_watermark(const EventContext& context, RecordSink& out) {
  const std::int64_t watermark = context.watermark_ns;
  const std::int64_t lateness = options_.allowed_lateness_ns;
  std::int64_t next = kNoTimer;
  for (std::size_t i = 0; i < series_.size(); ++i) {
    auto& windows = series_[i].windows;
    if (windows.empty()) continue;
    const SymbolId symbol{static_cast<std::uint16_t>(i / sizes_)};
    for (Window& w : windows) {
      if (!w.fired && watermark >= w.end) fire(w, symbol, context, out);
    }
    std::erase_if(windows, [&](const Window& w) { return watermark >= w.end + lateness; });
    for (const Window& w : windows) next = std::min(next, w.fired ? w.end + lateness : w.end);
  }
  // A gap matters to windows not yet created only while one could still take a trade.
  const Int128 horizon = static_cast<Int128>(watermark) - lateness - max_window_ns_;
  gaps_.forget_before(horizon);
  next_timer_ns_ = next;
}

void AggregatesJob::on_gap(const Gap& gap) {
  flag_open_windows(series_, gap);
  gaps_.add(gap);
}

void AggregatesJob::end_of_stream(const EventContext& context, RecordSink& out) {
  for (std::size_t i = 0; i < series_.size(); ++i) {
    const SymbolId symbol{static_cast<std::uint16_t>(i / sizes_)};
    for (Window& w : series_[i].windows) {
      if (!w.fired) fire(w, symbol, context, out);
    }
    series_[i].windows.clear();
  }
  gaps_.clear();
  next_timer_ns_ = kNoTimer;
}

std::string AggregatesJob::status() const {
  std::string sizes;
  for (std::size_t k = 0; k < sizes_; ++k) {
    WindowSizeText text;
    sizes += fmt::format("{}{}", k == 0 ? "" : "/", window_size_text(options_.windows_ns[k], text));
  }
  return fmt::format("trades {}, records {} ({} late updates), late {} dropped {} ({}){}", counters_.trades,
                     counters_.emitted, counters_.updates, per_size(counters_.late), per_size(counters_.dropped), sizes,
                     counters_.out_of_range != 0 ? fmt::format(", {} out of range", counters_.out_of_range) : "");
}

}  // namespace ringside::processors
