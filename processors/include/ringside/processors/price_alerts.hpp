// Job "alerts": price-movement alerts of seeds/003 2.3, as PriceAlert records.
//
// Per symbol, over TradeExecuted in ring order (the seed's keyed process function):
//   - the baseline is the price of the first trade of a detection window; a trade
//     more than `window` (5 min) after the baseline's event time starts a new one
//     (it becomes the baseline and is not compared);
//   - any other trade is compared: |price - baseline| / baseline >= threshold (2 %)
//     is a movement. Within `cooldown` (60 s) of the symbol's last alert it is
//     suppressed (counted; the baseline stays); otherwise a PriceAlert is emitted
//     and the trade becomes the new baseline (its time the window's start).
//   - severity by the change: CRITICAL from 10 %, HIGH from 5 %, MEDIUM from 2 %
//     (--alert-severities); LOW below MEDIUM's bound, possible only when the
//     threshold is set below it.
// Comparisons are exact: prices are ticks, percentages are parts per million.
// The seed compares arrival order, not event time, and so does this job: it
// needs no watermark, and the engine's event time never goes back anyway. A
// gap in the input keeps the state: a movement across it is still a movement.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ringside/processors/job.hpp"

namespace ringside::processors {

// Percentages as parts per million: 2 % = 20'000.
inline constexpr std::int64_t kPpmPerPercent = 10'000;

struct AlertOptions {
  std::int64_t threshold_ppm = 2 * kPpmPerPercent;
  std::int64_t window_ns = 300'000'000'000;
  std::int64_t cooldown_ns = 60'000'000'000;
  // Lower bounds of MEDIUM, HIGH, CRITICAL; strictly increasing.
  std::array<std::int64_t, 3> severity_ppm{2 * kPpmPerPercent, 5 * kPpmPerPercent, 10 * kPpmPerPercent};
};

// "2", "2%", "0.5", "12.25%": a percentage with at most 4 decimals, in ppm.
// Throws std::invalid_argument naming the text.
std::int64_t parse_percent_ppm(std::string_view text);

// The severity of a change of `ppm` under these bounds.
AlertSeverity alert_severity(std::int64_t change_ppm, const std::array<std::int64_t, 3>& bounds) noexcept;

class PriceAlertJob final : public Job {
 public:
  // Throws std::invalid_argument for a non-positive threshold or window, a
  // negative cooldown, or severity bounds that are not positive and increasing.
  explicit PriceAlertJob(AlertOptions options);

  std::string_view name() const noexcept override { return "alerts"; }
  bool reads(EventType type) const noexcept override { return type == EventType::TradeExecuted; }
  void bind(const SymbolTable& symbols) override;
  void on_event(const FrameHeader& frame, const EventContext& context, RecordSink& out) override;
  void end_of_stream(const EventContext& context, RecordSink& out) override;
  std::string status() const override;

  struct Counters {
    std::uint64_t trades = 0;
    std::uint64_t alerts = 0;
    std::array<std::uint64_t, 4> by_severity{};  // LOW, MEDIUM, HIGH, CRITICAL
    std::uint64_t suppressed = 0;                // movements within the cooldown
    std::uint64_t baselines = 0;                 // windows started (first trade, or the window expired)
  };
  const Counters& counters() const noexcept { return counters_; }
  const AlertOptions& options() const noexcept { return options_; }

 private:
  struct State {
    Ticks baseline = 0;  // 0: none yet
    std::int64_t baseline_ns = 0;
    std::int64_t last_alert_ns = 0;
    bool alerted = false;
  };

  AlertOptions options_;
  std::vector<State> states_;  // by symbol
  Counters counters_;
};

}  // namespace ringside::processors
