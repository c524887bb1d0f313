#include "ringside/processors/price_alerts.hpp"

#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "ringside/core/wide_int.hpp"

namespace ringside::processors {
namespace {

using detail::Int128;

// 10^6 percent: far beyond any real move, small enough that ppm x ticks fits Int128 twice over.
constexpr std::int64_t kMaxPpm = std::int64_t{1'000'000} * kPpmPerPercent;

}  // namespace

std::int64_t parse_percent_ppm(std::string_view text) {
  const auto bad = [&] {
    return std::invalid_argument(fmt::format("'{}': not a percentage (e.g. 2, 2.5, 10%)", text));
  };
  std::string_view t = text;
  if (!t.empty() && t.back() == '%') t.remove_suffix(1);
  if (t.empty()) throw bad();
  std::int64_t whole = 0;
  std::int64_t fraction = 0;
  int decimals = -1;  // -1: no point yet
  bool digits = false;
  for (const char c : t) {
    if (c == '.' && decimals < 0) {
      decimals = 0;
      continue;
    }
    if (c < '0' || c > '9') throw bad();
    digits = true;
    const int d = c - '0';
    if (decimals < 0) {
      whole = whole * 10 + d;
      if (whole > kMaxPpm / kPpmPerPercent) throw bad();
    } else {
      // ppm has four decimals of a percent; more would be silently rounded.
      if (++decimals > 4) throw bad();
      fraction = fraction * 10 + d;
    }
  }
  if (!digits) throw bad();
  for (int i = decimals < 0 ? 0 : decimals; i < 4; ++i) fraction *= 10;
  return whole * kPpmPerPercent + fraction;
}

AlertSeverity alert_severity(std::int64_t change_ppm, const std::array<std::int64_t, 3>& bounds) noexcept {
  if (change_ppm >= bounds[2]) return AlertSeverity::Critical;
  if (change_ppm >= bounds[1]) return AlertSeverity::High;
  if (change_ppm >= bounds[0]) return AlertSeverity::Medium;
  return AlertSeverity::Low;
}

PriceAlertJob::PriceAlertJob(AlertOptions options) : options_(options) {
  if (options_.threshold_ppm <= 0 || options_.threshold_ppm > kMaxPpm) {
    throw std::invalid_argument("alerts: the threshold must be a positive percentage");
  }
  if (options_.window_ns <= 0) throw std::invalid_argument("alerts: the window must be positive");
  if (options_.cooldown_ns < 0) throw std::invalid_argument("alerts: the cooldown must not be negative");
  const auto& s = options_.severity_ppm;
  if (s[0] <= 0 || s[0] >= s[1] || s[1] >= s[2] || s[2] > kMaxPpm) {
    throw std::invalid_argument("alerts: severity bounds (MEDIUM,HIGH,CRITICAL) must be positive and increasing");
  }
}

void PriceAlertJob::bind(const SymbolTable& symbols) { states_.assign(symbols.size(), State{}); }

void PriceAlertJob::on_event(const FrameHeader& frame, const EventContext& context, RecordSink& out) {
  (void)context;
  const auto& trade = reinterpret_cast<const TradeExecuted&>(frame);
  State& s = states_[raw(frame.symbol)];
  const std::int64_t t = frame.event_time_ns;
  ++counters_.trades;
  // Int128: event times of hostile frames may be anywhere in int64.
  if (s.baseline <= 0 || static_cast<Int128>(t) - s.baseline_ns > options_.window_ns) {
    if (trade.price > 0) {
      s.baseline = trade.price;
      s.baseline_ns = t;
      ++counters_.baselines;
    }
    return;
  }
  const Int128 move = static_cast<Int128>(trade.price) - s.baseline;
  // |move| / baseline >= threshold, compared without division: |move| x 10^6 >= threshold_ppm x baseline.
  const Int128 change = (move < 0 ? -move : move) * 1'000'000;
  if (change < static_cast<Int128>(options_.threshold_ppm) * s.baseline) return;
  if (s.alerted && static_cast<Int128>(t) - s.last_alert_ns < options_.cooldown_ns) {
    ++counters_.suppressed;
    return;
  }
  // Rounded down, the change compares with the integer bounds exactly as the unrounded ratio would.
  const Int128 ppm128 = change / s.baseline;
  const std::int64_t ppm = ppm128 > kMaxPpm ? kMaxPpm : static_cast<std::int64_t>(ppm128);
  PriceAlert a{};
  init_header(a, frame.symbol, t);
  a.baseline_price = s.baseline;
  a.current_price = trade.price;
  a.window_start_ns = s.baseline_ns;
  a.detected_at_ns = t;
  a.kind = AlertKind::PriceMovement;
  a.direction = move > 0 ? AlertDirection::Up : AlertDirection::Down;
  a.severity = alert_severity(ppm, options_.severity_ppm);
  out.emit(a.header);
  ++counters_.alerts;
  ++counters_.by_severity[static_cast<std::size_t>(a.severity)];
  s.alerted = true;
  s.last_alert_ns = t;
  s.baseline = trade.price;
  s.baseline_ns = t;
}

void PriceAlertJob::end_of_stream(const EventContext& context, RecordSink& out) {
  (void)context;
  (void)out;
  for (State& s : states_) s = State{};
}

std::string PriceAlertJob::status() const {
  const auto& b = counters_.by_severity;
  return fmt::format("trades {}, alerts {} ({} medium, {} high, {} critical{}), suppressed {} (cooldown), baselines {}",
                     counters_.trades, counters_.alerts, b[1], b[2], b[3],
                     b[0] != 0 ? fmt::format(", {} low", b[0]) : "", counters_.suppressed, counters_.baselines);
}

}  // namespace ringside::processors
