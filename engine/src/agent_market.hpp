// The agents' picture of each symbol beyond its book: a hidden fundamental value
// and the market's reference price.
//
// The fundamental is a random walk scaled by the symbol's annualised volatility,
// with occasional news jumps that informed traders may hear about. The reference
// is a smoothed trade price: what the market says the stock is worth. Market
// makers quote around the reference, pulled a little towards the fundamental, so
// prices are made by the book and the fundamental only keeps them from wandering off.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "agent_random.hpp"
#include "ringside/core/instrument.hpp"

namespace ringside::engine::sim {

// A trading year of 252 days of 6.5 hours: annualised volatility per tick.
constexpr double kSecondsPerTradingYear = 252.0 * 6.5 * 3600.0;

// The market model (per symbol).
constexpr double kNewsPerSecond = 1.0 / 1200.0;             // one news item per symbol per 20 minutes
constexpr double kNewsJumpPerVolatility = 0.01;             // a 25 %-vol stock jumps ~0.25 % on news
constexpr double kReversionHalfLifeSeconds = 6.5 * 3600.0;  // fundamentals drift back over a trading day
constexpr double kTradeWeightShares = 2'000.0;              // a trade of this size moves the reference 63 % of the way
constexpr double kMaxTradeWeight = 0.3;
constexpr double kMaxStray = 0.03;      // the reference stays within 3 % of the fundamental
constexpr double kTrendSeconds = 60.0;  // the momentum traders' slow average

struct SymbolView {
  Ticks initial = 0;
  double log_value = 0.0;    // log(fundamental / initial)
  double fundamental = 0.0;  // ticks: what the news and the random walk say the stock is worth
  double reference = 0.0;    // ticks: smoothed trade price, what the market says
  double trend = 0.0;        // ticks: slow average of the reference (momentum = reference - trend)
  double step_sigma = 0.0;   // log-value standard deviation per tick
  double news_jump = 0.0;    // typical news jump, as a log-value
};

struct News {
  SymbolId symbol{};
  Side direction = Side::Buy;
};

class Market {
 public:
  Market(const SymbolTable& symbols, double tick_seconds, std::uint64_t seed)
      : rng_(seed),
        news_chance_(kNewsPerSecond * tick_seconds),
        reversion_(std::log(2.0) * tick_seconds / kReversionHalfLifeSeconds),
        trend_weight_(std::min(1.0, tick_seconds / kTrendSeconds)) {
    views_.reserve(symbols.size());
    news_.reserve(symbols.size());
    for (const Instrument& instrument : symbols) {
      SymbolView v;
      v.initial = std::max<Ticks>(1, instrument.initial_price);
      v.fundamental = v.reference = v.trend = static_cast<double>(v.initial);
      v.step_sigma = instrument.volatility * std::sqrt(tick_seconds / kSecondsPerTradingYear);
      v.news_jump = instrument.volatility * kNewsJumpPerVolatility;
      views_.push_back(v);
    }
  }

  // One tick of the fundamentals: random walk, news, and a slow pull back to the
  // session's opening price, because the breakers' reference never moves and a
  // free random walk would reach them in a long enough run.
  void advance() noexcept {
    news_.clear();
    for (std::size_t i = 0; i < views_.size(); ++i) {
      SymbolView& v = views_[i];
      double step = v.step_sigma * rng_.normal() - reversion_ * v.log_value;
      if (rng_.chance(news_chance_)) {
        const Side direction = random_side(rng_);
        const double jump = v.news_jump * rng_.uniform(0.5, 1.5);
        step += direction == Side::Buy ? jump : -jump;
        news_.push_back(News{SymbolId{static_cast<std::uint16_t>(i)}, direction});
      }
      v.log_value += step;
      v.fundamental = static_cast<double>(v.initial) * std::exp(v.log_value);
      v.trend += trend_weight_ * (v.reference - v.trend);
    }
  }

  void on_trade(SymbolId symbol, Ticks price, Quantity quantity) noexcept {
    SymbolView& v = views_[raw(symbol)];
    const double weight =
        std::min(kMaxTradeWeight, 1.0 - std::exp(-static_cast<double>(quantity) / kTradeWeightShares));
    v.reference += weight * (static_cast<double>(price) - v.reference);
    // A sweep into a stale far order must not drag the market makers after it.
    const double band = kMaxStray * v.fundamental;
    v.reference = std::clamp(v.reference, v.fundamental - band, v.fundamental + band);
  }

  const SymbolView& view(SymbolId symbol) const noexcept { return views_[raw(symbol)]; }
  const std::vector<News>& news() const noexcept { return news_; }
  std::size_t size() const noexcept { return views_.size(); }

 private:
  Rng rng_;
  double news_chance_;
  double reversion_;
  double trend_weight_;
  std::vector<SymbolView> views_;
  std::vector<News> news_;  // this tick's
};

}  // namespace ringside::engine::sim
