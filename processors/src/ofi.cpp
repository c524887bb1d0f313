#include "ringside/processors/ofi.hpp"

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

// An empty ask (price 0) sits above every price: its size left, or arrives, as a whole.
constexpr Int128 ask_rank(Ticks ask) noexcept { return ask == 0 ? std::numeric_limits<Int128>::max() : ask; }

}  // namespace

OfiTerms ofi_terms(const QuoteUpdate& before, const QuoteUpdate& after) noexcept {
  OfiTerms t;
  if (after.bid_price >= before.bid_price) t.bid_flow += after.bid_size;
  if (after.bid_price <= before.bid_price) t.bid_flow -= before.bid_size;
  const Int128 a0 = ask_rank(before.ask_price);
  const Int128 a1 = ask_rank(after.ask_price);
  if (a1 <= a0) t.ask_flow += after.ask_size;
  if (a1 >= a0) t.ask_flow -= before.ask_size;
  return t;
}

OfiJob::OfiJob(OfiOptions options) : options_(std::move(options)) {
  if (options_.windows_ns.empty()) throw std::invalid_argument("ofi: no window sizes");
  for (std::size_t i = 0; i < options_.windows_ns.size(); ++i) {
    const std::int64_t size = options_.windows_ns[i];
    if (size <= 0 || size > kSpanLimit) {
      throw std::invalid_argument("ofi: window sizes must be positive (and below 36 years)");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (options_.windows_ns[j] == size) throw std::invalid_argument("ofi: a window size is given twice");
    }
    max_window_ns_ = std::max(max_window_ns_, size);
  }
  sizes_ = options_.windows_ns.size();
  counters_.late.assign(sizes_, 0);
}

void OfiJob::bind(const SymbolTable& symbols) {
  previous_.assign(symbols.size(), Previous{});
  series_.assign(symbols.size() * sizes_, Series{});
  gaps_.clear();
  next_timer_ns_ = kNoTimer;
}

std::size_t OfiJob::open_windows() const noexcept {
  std::size_t n = 0;
  for (const Series& s : series_) n += s.windows.size();
  return n;
}

void OfiJob::on_event(const FrameHeader& frame, const EventContext& context, RecordSink& out) {
  (void)out;
  const auto& quote = reinterpret_cast<const QuoteUpdate&>(frame);
  const std::int64_t t = frame.event_time_ns;
  if (t < -kTimeLimit || t > kTimeLimit) {
    ++counters_.out_of_range;
    return;
  }
  ++counters_.quotes;
  const std::size_t symbol = raw(frame.symbol);
  Previous& prev = previous_[symbol];
  if (!prev.known) {
    prev.quote = quote;
    prev.known = true;
    return;
  }
  const OfiTerms terms = ofi_terms(prev.quote, quote);
  prev.quote = quote;
  ++counters_.changes;
  const Int128 depth = static_cast<Int128>(quote.bid_size) + quote.ask_size;
  for (std::size_t k = 0; k < sizes_; ++k) {
    const std::int64_t size = options_.windows_ns[k];
    const std::int64_t start = floor_div(t, size) * size;
    const std::int64_t end = start + size;
    if (context.watermark_ns >= end) {
      ++counters_.late[k];
      continue;
    }
    Window& w = open_window(series_[symbol * sizes_ + k].windows, start, end, gaps_);
    w.bid_flow += terms.bid_flow;
    w.ask_flow += terms.ask_flow;
    w.depth += depth;
    ++w.updates;
    w.last = quote;
    next_timer_ns_ = std::min(next_timer_ns_, end);
  }
}

void OfiJob::fire(const Window& w, SymbolId symbol, RecordSink& out) {
  OrderFlowImbalance r{};
  init_header(r, symbol, w.end);
  r.window_start_ns = w.start;
  r.window_end_ns = w.end;
  r.ofi = saturate(w.bid_flow - w.ask_flow);
  r.bid_flow = saturate(w.bid_flow);
  r.ask_flow = saturate(w.ask_flow);
  r.depth_sum = saturate(w.depth);
  r.update_count = w.updates;
  r.best_bid = w.last.bid_price;
  r.best_ask = w.last.ask_price;
  r.bid_size = w.last.bid_size;
  r.ask_size = w.last.ask_size;
  r.flags = w.gap ? kRecordInputGap : 0;
  out.emit(r.header);
  ++counters_.records;
}

void OfiJob::on_watermark(const EventContext& context, RecordSink& out) {
  const std::int64_t watermark = context.watermark_ns;
  std::int64_t next = kNoTimer;
  for (std::size_t i = 0; i < series_.size(); ++i) {
    auto& windows = series_[i].windows;
    if (windows.empty()) continue;
    const SymbolId symbol{static_cast<std::uint16_t>(i / sizes_)};
    std::size_t fired = 0;
    while (fired < windows.size() && watermark >= windows[fired].end) fire(windows[fired++], symbol, out);
    windows.erase(windows.begin(), windows.begin() + static_cast<std::ptrdiff_t>(fired));
    if (!windows.empty()) next = std::min(next, windows.front().end);
  }
  // A gap matters to windows not yet created only while one could still take a quote.
  const Int128 horizon = static_cast<Int128>(watermark) - max_window_ns_;
  gaps_.forget_before(horizon);
  next_timer_ns_ = next;
}

void OfiJob::on_gap(const Gap& gap) {
  flag_open_windows(series_, gap);
  for (Previous& p : previous_) p.known = false;
  gaps_.add(gap);
}

void OfiJob::end_of_stream(const EventContext& context, RecordSink& out) {
  (void)context;
  for (std::size_t i = 0; i < series_.size(); ++i) {
    const SymbolId symbol{static_cast<std::uint16_t>(i / sizes_)};
    for (const Window& w : series_[i].windows) fire(w, symbol, out);
    series_[i].windows.clear();
  }
  for (Previous& p : previous_) p.known = false;
  gaps_.clear();
  next_timer_ns_ = kNoTimer;
}

std::string OfiJob::status() const {
  std::string sizes;
  std::string late;
  for (std::size_t k = 0; k < sizes_; ++k) {
    WindowSizeText text;
    sizes += fmt::format("{}{}", k == 0 ? "" : "/", window_size_text(options_.windows_ns[k], text));
    late += fmt::format("{}{}", k == 0 ? "" : "/", counters_.late[k]);
  }
  return fmt::format("quotes {}, changes {}, records {}, late {} ({}){}", counters_.quotes, counters_.changes,
                     counters_.records, late, sizes,
                     counters_.out_of_range != 0 ? fmt::format(", {} out of range", counters_.out_of_range) : "");
}

}  // namespace ringside::processors
