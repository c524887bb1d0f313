// The simulated traders of seeds/000 section 2.3.
//
// How prices stay plausible without being scripted: every symbol has a hidden
// fundamental value (a random walk scaled by the symbol's annualised volatility,
// with occasional news jumps) and a market reference (a smoothed trade price).
// Market makers quote around the reference, nudged towards the fundamental and
// skewed by their inventory; informed traders know the fundamental and trade the
// gap in bursts; retail, noise, institutional and HFT flow push the price around
// in between. So the price is made by the book, and the fundamental only keeps
// it from wandering off in a long run.
//
// Agent time: every rate, lifetime and interval below is in simulated seconds at
// activity 1. `activity` speeds the agents' clock up (burst mode, the
// opening auction) or slows it down (pre-market), so a 50x burst means 50 times
// the orders with 50 times shorter lifetimes, and the number of resting orders
// stays bounded either way. Per-tick work is capped per agent as well.
#include "ringside/engine/agents.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "agent_desk.hpp"
#include "agent_market.hpp"
#include "agent_random.hpp"

namespace ringside::engine {
namespace {

using namespace sim;

// --- parameters --------------------------------------------------------------

// Order sizes of seeds/000 section 2.3, shares.
constexpr SizeRange kRetailSize{10, 500, 10};
constexpr SizeRange kInstitutionalSize{1'000, 10'000, 100};
constexpr SizeRange kMakerSize{100, 1'000, 100};
constexpr SizeRange kHftSize{50, 500, 50};
constexpr SizeRange kNoiseSize{10, 200, 10};
constexpr SizeRange kInformedSize{200, 2'000, 100};

// Retail: 1-5 orders per minute each, 70 % market, slight momentum bias.
constexpr double kRetailMinPerMinute = 1.0;
constexpr double kRetailMaxPerMinute = 5.0;
constexpr double kRetailMarketShare = 0.70;
constexpr double kRetailMomentumBias = 0.10;  // P(buy) = 0.5 +- this when the trend is clear
constexpr double kRetailLimitMinBps = -1.0;   // limit prices: from 1 bp through the mid ...
constexpr double kRetailLimitMaxBps = 8.0;    // ... to 8 bp away from it
constexpr double kRetailMinLifetime = 60.0;
constexpr double kRetailMaxLifetime = 600.0;
constexpr int kRetailMaxActionsPerTick = 2;

// Institutional: TWAP-like parents of 4-10 slices, 90 % limit, long pauses in between.
constexpr double kInstitutionalIdleSeconds = 300.0;  // mean pause between parent orders
constexpr int kMinSlices = 4;
constexpr int kMaxSlices = 10;
constexpr double kMinSliceInterval = 10.0;
constexpr double kMaxSliceInterval = 40.0;
constexpr double kInstitutionalLimitShare = 0.90;

// Market makers: two levels a side, skewed by inventory, re-checked twice a second.
constexpr double kMakerChecksPerSecond = 2.0;
constexpr double kMakerAnchor = 0.15;  // share of the fundamental gap priced in at once
constexpr double kMakerMinHalfSpreadBps = 0.4;
constexpr double kMakerMaxHalfSpreadBps = 1.5;
constexpr double kMakerMinGapBps = 1.5;  // outer level behind the inner one
constexpr double kMakerMaxGapBps = 4.0;
constexpr double kMakerInventoryScale = 3'000.0;  // inventory at which the skew is full
constexpr double kMakerMaxSkewHalfSpreads = 2.0;

// HFT: 10-25 orders a second each over a few symbols, lifetimes of a fraction of a second.
constexpr double kHftMinPerSecond = 10.0;
constexpr double kHftMaxPerSecond = 25.0;
constexpr std::int64_t kHftMaxSymbols = 8;
constexpr double kHftMinLifetime = 0.2;
constexpr double kHftMaxLifetime = 1.0;
constexpr double kHftImbalance = 0.3;             // book imbalance that picks the side
constexpr double kHftTakeImbalance = 0.7;         // ... and that makes it worth crossing
constexpr std::int64_t kHftFlatten = 500;         // shares held before it only unwinds
constexpr std::int64_t kHftMaxInventory = 3'000;  // ... and unwinds by crossing
constexpr int kHftMaxActionsPerTick = 8;

// Noise: 6-12 orders per minute each, 50 % market, no view.
constexpr double kNoiseMinPerMinute = 6.0;
constexpr double kNoiseMaxPerMinute = 12.0;
constexpr double kNoiseMarketShare = 0.50;
constexpr double kNoiseLimitMinBps = -5.0;
constexpr double kNoiseLimitMaxBps = 10.0;
constexpr double kNoiseMinLifetime = 30.0;
constexpr double kNoiseMaxLifetime = 180.0;
constexpr int kNoiseMaxActionsPerTick = 2;

// Informed: bursts of 3-8 orders when they learn something, 80 % limit.
constexpr double kHearNews = 0.5;                 // chance an idle informed trader hears a news item
constexpr double kInformedScansPerMinute = 0.5;   // looks for a mispriced symbol on its own
constexpr double kInformedEdgeBps = 3.0;          // the gap worth trading
constexpr double kInformedOrdersPerSecond = 0.7;  // pace within a burst
constexpr double kInformedLimitShare = 0.80;
constexpr double kInformedSweepBps = 3.0;  // how far a limit order reaches through the book
constexpr double kInformedLifetime = 30.0;
constexpr int kInformedMaxActionsPerTick = 2;

// Activity is a multiplier on the agents' clock; beyond this it is a bug upstream.
constexpr double kMaxActivity = 1'000.0;

// --- retail: small orders, mostly market, a slight momentum bias -----------------

class RetailTrader {
 public:
  RetailTrader(Identity who, std::uint64_t seed, std::size_t symbols, double ticks_per_second) noexcept
      : who_(who), rng_(seed) {
    orders_per_tick_ = rng_.uniform(kRetailMinPerMinute, kRetailMaxPerMinute) / 60.0 / ticks_per_second;
    // A retail trader follows a few names of its own.
    watched_ = static_cast<std::size_t>(rng_.between(1, static_cast<std::int64_t>(watchlist_.size())));
    for (std::size_t i = 0; i < watched_; ++i) watchlist_[i] = random_symbol(rng_, symbols);
  }

  void on_tick(Desk& desk, double activity) noexcept {
    open_.expire(who_.id, desk);
    for (int n = arrivals(rng_, orders_per_tick_ * activity, kRetailMaxActionsPerTick); n > 0; --n) trade(desk);
  }

 private:
  void trade(Desk& desk) noexcept {
    const SymbolId symbol = watchlist_[rng_.below(watched_)];
    if (desk.halted(symbol)) return;
    const SymbolView& view = desk.view(symbol);
    const double mid = desk.mid(symbol);
    const double momentum = view.reference - view.trend;
    const bool trending = std::abs(momentum) >= std::max(0.5, bps(mid, 0.5));
    double p_buy = 0.5;
    if (trending) p_buy += momentum > 0 ? kRetailMomentumBias : -kRetailMomentumBias;

    Ticket t;
    t.symbol = symbol;
    t.side = rng_.chance(p_buy) ? Side::Buy : Side::Sell;
    t.quantity = draw_size(rng_, kRetailSize);
    t.type = rng_.chance(kRetailMarketShare) ? OrderType::Market : OrderType::Limit;
    const Strategy strategy = trending ? Strategy::Momentum : Strategy::Random;
    if (t.type == OrderType::Market) {
      const OrderBook& book = desk.book(symbol);
      if ((t.side == Side::Buy ? book.best_ask() : book.best_bid()) == 0) return;  // nothing to buy from: wait
    } else {
      const double away = bps(mid, rng_.uniform(kRetailLimitMinBps, kRetailLimitMaxBps));
      t.price = t.side == Side::Buy ? floor_ticks(mid - away) : ceil_ticks(mid + away);
      open_.make_room(who_.id, desk);
    }
    const auto placed = desk.place(who_.id, t, [&](OrderId id) {
      return order_details(strategy, t, id).add(DetailKey::Inventory, desk.inventory(who_.row, symbol));
    });
    if (placed.resting) {
      open_.add(placed.id, symbol, strategy, desk.after(rng_.uniform(kRetailMinLifetime, kRetailMaxLifetime)));
    }
  }

  Identity who_;
  Rng rng_;
  double orders_per_tick_ = 0.0;  // at activity 1
  std::array<SymbolId, 3> watchlist_{};
  std::size_t watched_ = 1;
  OpenOrders<4> open_;
};

// --- institutional: block orders sliced over time ------------------------------------

class InstitutionalInvestor {
 public:
  InstitutionalInvestor(Identity who, std::uint64_t seed, std::size_t symbols, double ticks_per_second) noexcept
      : who_(who), rng_(seed), symbols_(symbols), ticks_per_second_(ticks_per_second) {}

  void on_tick(Desk& desk, double activity) noexcept {
    // An unfilled slice is not chased: its time is up when the next one is due.
    open_.expire(who_.id, desk);
    if (next_ == slices_) {
      if (rng_.chance(activity / (kInstitutionalIdleSeconds * ticks_per_second_))) start_parent(desk);
      return;
    }
    if (desk.clock() >= next_slice_) place_slice(desk);
  }

 private:
  Strategy strategy() const noexcept {
    return side_ == Side::Buy ? Strategy::BlockAccumulation : Strategy::BlockDistribution;
  }

  void start_parent(const Desk& desk) noexcept {
    symbol_ = random_symbol(rng_, symbols_);
    side_ = random_side(rng_);
    slices_ = static_cast<int>(rng_.between(kMinSlices, kMaxSlices));
    next_ = 0;
    target_ = 0;
    for (int i = 0; i < slices_; ++i) {
      sizes_[static_cast<std::size_t>(i)] = draw_size(rng_, kInstitutionalSize);
      target_ += sizes_[static_cast<std::size_t>(i)];
    }
    interval_ = rng_.uniform(kMinSliceInterval, kMaxSliceInterval);
    next_slice_ = desk.clock();
  }

  void place_slice(Desk& desk) noexcept {
    // TWAP with a little jitter, so the five of them do not fall into step.
    next_slice_ = desk.after(interval_ * rng_.uniform(0.8, 1.2));
    const int slice = ++next_;         // 1-based; after the last one the investor is idle
    if (desk.halted(symbol_)) return;  // a missed slice is not made up

    const OrderBook& book = desk.book(symbol_);
    Ticket t;
    t.symbol = symbol_;
    t.side = side_;
    t.quantity = sizes_[static_cast<std::size_t>(slice - 1)];
    const Ticks opposite_best = side_ == Side::Buy ? book.best_ask() : book.best_bid();
    t.type = rng_.chance(kInstitutionalLimitShare) || opposite_best == 0 ? OrderType::Limit : OrderType::Market;
    if (t.type == OrderType::Limit) {
      // Passive: join the own side's best, stepping inside a wide spread.
      const Ticks bid = book.best_bid();
      const Ticks ask = book.best_ask();
      const double mid = desk.mid(symbol_);
      if (side_ == Side::Buy) {
        t.price = bid == 0 ? floor_ticks(mid - 1.0) : (ask > 0 && ask - bid > 2 ? bid + 1 : bid);
      } else {
        t.price = ask == 0 ? ceil_ticks(mid + 1.0) : (bid > 0 && ask - bid > 2 ? ask - 1 : ask);
      }
      open_.make_room(who_.id, desk);
    }
    const auto placed = desk.place(who_.id, t, [&](OrderId id) {
      return order_details(strategy(), t, id, /*with_price=*/false)
          .add(DetailKey::Slice, slice)
          .add(DetailKey::Slices, slices_)
          .add(DetailKey::TargetQuantity, target_);
    });
    if (placed.resting) open_.add(placed.id, symbol_, strategy(), next_slice_);
  }

  Identity who_;
  Rng rng_;
  std::size_t symbols_;
  double ticks_per_second_;
  // The parent order in progress; none while next_ == slices_.
  SymbolId symbol_{};
  Side side_ = Side::Buy;
  int slices_ = 0;
  int next_ = 0;  // slices placed so far
  std::array<Quantity, kMaxSlices> sizes_{};
  std::int64_t target_ = 0;
  double interval_ = 0.0;  // seconds between slices
  double next_slice_ = 0.0;
  OpenOrders<2> open_;
};

// --- market makers: two-sided quotes on every symbol, skewed by inventory --------------

class MarketMaker {
 public:
  MarketMaker(Identity who, std::uint64_t seed, std::size_t symbols) noexcept : who_(who), rng_(seed) {
    half_spread_bps_ = rng_.uniform(kMakerMinHalfSpreadBps, kMakerMaxHalfSpreadBps);
    gap_bps_ = rng_.uniform(kMakerMinGapBps, kMakerMaxGapBps);
    inner_size_ = draw_size(rng_, kMakerSize);
    outer_size_ = draw_size(rng_, kMakerSize);
    quotes_.resize(symbols);
  }

  void mark_dirty(SymbolId s) noexcept { quotes_[raw(s)].dirty = true; }

  // Re-quotes when something happened to the quotes (a fill, an empty side, a
  // halt) or when the periodic check comes round.
  void on_tick(SymbolId s, Desk& desk, double check_chance) noexcept {
    SymbolQuotes& q = quotes_[raw(s)];
    if (desk.halted(s)) {
      q.dirty = true;  // quotes may have been cancelled by the breaker: look again on resume
      return;
    }
    if (q.dirty || rng_.chance(check_chance)) requote(s, q, desk);
  }

 private:
  // Four levels per symbol: inner bid, outer bid, inner ask, outer ask.
  static constexpr std::size_t kLevels = 4;
  struct Level {
    Side side = Side::Buy;
    Ticks price = 0;  // below 1: not quoted (a stock of a few ticks)
    Quantity size = 0;
  };
  struct SymbolQuotes {
    std::array<OrderId, kLevels> orders{};  // 0: none
    bool dirty = true;
  };

  void requote(SymbolId s, SymbolQuotes& q, Desk& desk) noexcept {
    q.dirty = false;
    const SymbolView& view = desk.view(s);
    const std::int64_t inventory = desk.inventory(who_.row, s);
    const double fair = view.reference + kMakerAnchor * (view.fundamental - view.reference);
    const double half = std::max(1.0, bps(fair, half_spread_bps_));
    // Long: quote lower to sell what it holds and buy less; short: the reverse.
    const double lean = std::clamp(static_cast<double>(inventory) / kMakerInventoryScale, -1.0, 1.0);
    const double center = fair - lean * kMakerMaxSkewHalfSpreads * half;
    const Ticks bid = floor_ticks(center - half);
    const Ticks ask = std::max(bid + 1, ceil_ticks(center + half));
    const Ticks gap = std::max<Ticks>(1, std::llround(bps(fair, gap_bps_)));
    const auto sized = [&](Quantity base, double tilt) {
      return round_to_lot(std::llround(static_cast<double>(base) * (1.0 + 0.5 * tilt)), kMakerSize);
    };
    const std::array<Level, kLevels> want{
        Level{Side::Buy, bid, sized(inner_size_, -lean)},
        Level{Side::Buy, bid - gap, sized(outer_size_, -lean)},
        Level{Side::Sell, ask, sized(inner_size_, lean)},
        Level{Side::Sell, ask + gap, sized(outer_size_, lean)},
    };

    // Keep an order that still rests at the right price with a useful size (its
    // queue position is worth something); cancel the others first, so a new bid
    // can never meet the maker's own stale ask.
    std::array<bool, kLevels> keep{};
    bool changed = false;
    for (std::size_t i = 0; i < kLevels; ++i) {
      const Order* order = raw(q.orders[i]) == 0 ? nullptr : desk.find(q.orders[i]);
      keep[i] = want[i].price < 1
                    ? order == nullptr
                    : order != nullptr && order->price == want[i].price && order->remaining * 4 >= want[i].size;
      if (keep[i]) continue;
      if (order != nullptr) desk.cancel(who_.id, q.orders[i], s, Strategy::MarketMaking, /*announce=*/false);
      q.orders[i] = OrderId{};
      changed = true;
    }
    if (!changed) return;
    for (std::size_t i = 0; i < kLevels; ++i) {
      if (keep[i] || want[i].price < 1) continue;
      const Ticket t{s, want[i].side, OrderType::Limit, want[i].price, want[i].size};
      const auto placed = desk.place(who_.id, t, [&](OrderId id) {
        return order_details(Strategy::MarketMaking, t, id).add(DetailKey::Inventory, desk.inventory(who_.row, s));
      });
      if (placed.resting) q.orders[i] = placed.id;
    }
    Details d;
    d.add(DetailKey::Strategy, Strategy::MarketMaking)
        .add(DetailKey::BidPrice, bid)
        .add(DetailKey::AskPrice, ask)
        .add(DetailKey::BidSize, std::int64_t{want[0].size})
        .add(DetailKey::AskSize, std::int64_t{want[2].size})
        .add(DetailKey::Inventory, desk.inventory(who_.row, s));
    desk.publish(who_.id, s, AgentActionKind::AdjustQuote, d);
    desk.request_done();
  }

  Identity who_;
  Rng rng_;
  double half_spread_bps_ = 1.0;
  double gap_bps_ = 2.0;
  Quantity inner_size_ = 100;
  Quantity outer_size_ = 100;
  std::vector<SymbolQuotes> quotes_;  // per symbol
};

// --- HFT: many small, short-lived orders at the touch ---------------------------------------

class HftTrader {
 public:
  HftTrader(Identity who, std::uint64_t seed, std::size_t symbols, double ticks_per_second) noexcept
      : who_(who), rng_(seed) {
    orders_per_tick_ = rng_.uniform(kHftMinPerSecond, kHftMaxPerSecond) / ticks_per_second;
    // A few distinct symbols of its own.
    symbol_count_ = std::min(symbols, static_cast<std::size_t>(rng_.between(3, std::int64_t{kHftMaxSymbols})));
    for (std::size_t i = 0; i < symbol_count_; ++i) {
      SymbolId s{};
      do {
        s = random_symbol(rng_, symbols);
      } while (std::find(symbols_.begin(), symbols_.begin() + static_cast<std::ptrdiff_t>(i), s) !=
               symbols_.begin() + static_cast<std::ptrdiff_t>(i));
      symbols_[i] = s;
    }
  }

  void on_tick(Desk& desk, double activity) noexcept {
    open_.expire(who_.id, desk);
    for (int n = arrivals(rng_, orders_per_tick_ * activity, kHftMaxActionsPerTick); n > 0; --n) scalp(desk);
  }

 private:
  void scalp(Desk& desk) noexcept {
    const SymbolId s = symbols_[rng_.below(symbol_count_)];
    if (desk.halted(s)) return;
    const Quote q = desk.book(s).quote();
    if (q.bid_price == 0 || q.ask_price == 0) return;  // a one-sided book is the market makers' to fill
    const Ticks spread = q.ask_price - q.bid_price;
    const std::int64_t inventory = desk.inventory(who_.row, s);

    Ticket t;
    t.symbol = s;
    t.type = OrderType::Limit;
    bool take = false;
    if (std::abs(inventory) >= kHftFlatten) {
      // Scalpers do not carry positions: unwind first, crossing when it got large.
      t.side = inventory > 0 ? Side::Sell : Side::Buy;
      take = std::abs(inventory) >= kHftMaxInventory;
      t.quantity = round_to_lot(std::abs(inventory), kHftSize);
    } else {
      // Lean with the queue imbalance at the touch: the side with more resting
      // size tends to win the next tick.
      const double imbalance =
          static_cast<double>(q.bid_size - q.ask_size) / static_cast<double>(q.bid_size + q.ask_size);
      if (imbalance > kHftImbalance) {
        t.side = Side::Buy;
      } else if (imbalance < -kHftImbalance) {
        t.side = Side::Sell;
      } else {
        t.side = random_side(rng_);
      }
      take = std::abs(imbalance) > kHftTakeImbalance && rng_.chance(0.3);
      t.quantity = draw_size(rng_, kHftSize);
    }
    if (t.side == Side::Buy) {
      t.price = take ? q.ask_price : (spread > 1 ? q.bid_price + 1 : q.bid_price);
    } else {
      t.price = take ? q.bid_price : (spread > 1 ? q.ask_price - 1 : q.ask_price);
    }
    open_.make_room(who_.id, desk);
    const auto placed = desk.place(who_.id, t, [&](OrderId id) {
      return order_details(Strategy::Scalping, t, id).add(DetailKey::Inventory, desk.inventory(who_.row, s));
    });
    if (placed.resting) {
      open_.add(placed.id, s, Strategy::Scalping, desk.after(rng_.uniform(kHftMinLifetime, kHftMaxLifetime)));
    }
  }

  Identity who_;
  Rng rng_;
  double orders_per_tick_ = 0.0;
  std::array<SymbolId, static_cast<std::size_t>(kHftMaxSymbols)> symbols_{};
  std::size_t symbol_count_ = 1;
  OpenOrders<16> open_;
};

// --- noise: random orders, no view ------------------------------------------------------------

class NoiseTrader {
 public:
  NoiseTrader(Identity who, std::uint64_t seed, std::size_t symbols, double ticks_per_second) noexcept
      : who_(who), rng_(seed), symbols_(symbols) {
    orders_per_tick_ = rng_.uniform(kNoiseMinPerMinute, kNoiseMaxPerMinute) / 60.0 / ticks_per_second;
  }

  void on_tick(Desk& desk, double activity) noexcept {
    open_.expire(who_.id, desk);
    for (int n = arrivals(rng_, orders_per_tick_ * activity, kNoiseMaxActionsPerTick); n > 0; --n) trade(desk);
  }

 private:
  void trade(Desk& desk) noexcept {
    const SymbolId symbol = random_symbol(rng_, symbols_);
    if (desk.halted(symbol)) return;
    Ticket t;
    t.symbol = symbol;
    t.side = random_side(rng_);
    t.quantity = draw_size(rng_, kNoiseSize);
    t.type = rng_.chance(kNoiseMarketShare) ? OrderType::Market : OrderType::Limit;
    if (t.type == OrderType::Market) {
      const OrderBook& book = desk.book(symbol);
      if ((t.side == Side::Buy ? book.best_ask() : book.best_bid()) == 0) return;
    } else {
      const double mid = desk.mid(symbol);
      const double away = bps(mid, rng_.uniform(kNoiseLimitMinBps, kNoiseLimitMaxBps));
      t.price = t.side == Side::Buy ? floor_ticks(mid - away) : ceil_ticks(mid + away);
      open_.make_room(who_.id, desk);
    }
    const auto placed = desk.place(who_.id, t, [&](OrderId id) {
      return order_details(Strategy::Random, t, id).add(DetailKey::Inventory, desk.inventory(who_.row, symbol));
    });
    if (placed.resting) {
      open_.add(placed.id, symbol, Strategy::Random, desk.after(rng_.uniform(kNoiseMinLifetime, kNoiseMaxLifetime)));
    }
  }

  Identity who_;
  Rng rng_;
  std::size_t symbols_;
  double orders_per_tick_ = 0.0;
  OpenOrders<3> open_;
};

// --- informed: directional bursts towards the fundamental ------------------------------------------

class InformedTrader {
 public:
  InformedTrader(Identity who, std::uint64_t seed, std::size_t symbols, double ticks_per_second) noexcept
      : who_(who), rng_(seed), symbols_(symbols) {
    scan_per_tick_ = kInformedScansPerMinute / 60.0 / ticks_per_second;
    orders_per_tick_ = kInformedOrdersPerSecond / ticks_per_second;
  }

  // News on a symbol: an idle trader may hear it and act on it.
  void hear(const News& news) noexcept {
    if (orders_left_ > 0 || !rng_.chance(kHearNews)) return;
    symbol_ = news.symbol;
    direction_ = news.direction;
    orders_left_ = static_cast<int>(rng_.between(3, 8));
  }

  void on_tick(Desk& desk, double activity) noexcept {
    open_.expire(who_.id, desk);
    if (orders_left_ == 0) {
      if (rng_.chance(scan_per_tick_ * activity)) scan(desk);
      return;
    }
    for (int n = arrivals(rng_, orders_per_tick_ * activity, kInformedMaxActionsPerTick); n > 0 && orders_left_ > 0;
         --n) {
      trade(desk);
    }
  }

 private:
  static double edge(double mid) noexcept { return std::max(1.0, bps(mid, kInformedEdgeBps)); }

  // Without news: look at one symbol and trade it if the market is well off its value.
  void scan(const Desk& desk) noexcept {
    const SymbolId s = random_symbol(rng_, symbols_);
    const double mid = desk.mid(s);
    const double gap = desk.view(s).fundamental - mid;
    if (std::abs(gap) < 2.0 * edge(mid)) return;
    symbol_ = s;
    direction_ = gap > 0 ? Side::Buy : Side::Sell;
    orders_left_ = static_cast<int>(rng_.between(2, 5));
  }

  void trade(Desk& desk) noexcept {
    if (desk.halted(symbol_)) {
      orders_left_ = 0;
      return;
    }
    const double fundamental = desk.view(symbol_).fundamental;
    const double mid = desk.mid(symbol_);
    const double gap = fundamental - mid;
    // The burst ends once the market has caught up with what it knows.
    if ((direction_ == Side::Buy ? gap : -gap) < edge(mid)) {
      orders_left_ = 0;
      return;
    }
    --orders_left_;
    const OrderBook& book = desk.book(symbol_);
    Ticket t;
    t.symbol = symbol_;
    t.side = direction_;
    t.quantity = draw_size(rng_, kInformedSize);
    const Ticks opposite_best = direction_ == Side::Buy ? book.best_ask() : book.best_bid();
    t.type = rng_.chance(kInformedLimitShare) || opposite_best == 0 ? OrderType::Limit : OrderType::Market;
    if (t.type == OrderType::Limit) {
      // Take what is offered up to a few bp through the touch, never beyond the value.
      const double reach = bps(mid, kInformedSweepBps);
      if (direction_ == Side::Buy) {
        const double touch = opposite_best > 0 ? static_cast<double>(opposite_best) : mid;
        t.price = floor_ticks(std::min(touch + reach, fundamental));
      } else {
        const double touch = opposite_best > 0 ? static_cast<double>(opposite_best) : mid;
        t.price = ceil_ticks(std::max(touch - reach, fundamental));
      }
      open_.make_room(who_.id, desk);
    }
    const auto placed = desk.place(who_.id, t, [&](OrderId id) {
      return order_details(Strategy::DirectionalBurst, t, id)
          .add(DetailKey::Direction, direction_)
          .add(DetailKey::Inventory, desk.inventory(who_.row, symbol_));
    });
    if (placed.resting) open_.add(placed.id, symbol_, Strategy::DirectionalBurst, desk.after(kInformedLifetime));
  }

  Identity who_;
  Rng rng_;
  std::size_t symbols_;
  double scan_per_tick_ = 0.0;
  double orders_per_tick_ = 0.0;
  SymbolId symbol_{};
  Side direction_ = Side::Buy;
  int orders_left_ = 0;  // of the current burst; 0: not informed
  OpenOrders<4> open_;
};

}  // namespace

// --- the population ----------------------------------------------------------------

struct AgentPopulation::Impl final : TradeObserver {
  Impl(const ExchangeConfig& config, std::uint64_t seed)
      : symbol_count(config.symbols.size()),
        ticks_per_second(1000.0 / static_cast<double>(std::max<std::uint32_t>(1, config.simulation.tick_interval_ms))),
        market(config.symbols, 1.0 / ticks_per_second, sim::stream_seed(seed, 0)),
        inventories(config.agents, config.symbols.size()) {
    if (symbol_count == 0) return;  // nothing to trade
    const AgentCounts& n = config.agents;
    populate(retail, AgentType::Retail, n.retail_traders, seed, ticks_per_second);
    populate(institutional, AgentType::Institutional, n.institutional_investors, seed, ticks_per_second);
    populate(makers, AgentType::MarketMaker, n.market_makers, seed);
    populate(hfts, AgentType::HFT, n.hft_traders, seed, ticks_per_second);
    populate(noise, AgentType::Noise, n.noise_traders, seed, ticks_per_second);
    populate(informed, AgentType::Informed, n.informed_traders, seed, ticks_per_second);
  }

  // Agents numbered from 1 ("retail-0001"), each with a generator of its own
  // seeded from the run's seed and its id, so adding agents of one type never
  // changes what the others do.
  template <class Agent, class... Args>
  void populate(std::vector<Agent>& agents, AgentType type, std::uint32_t count, std::uint64_t seed, Args... args) {
    agents.reserve(count);
    for (std::uint32_t index = 1; index <= count; ++index) {
      const AgentId id = make_agent_id(type, index);
      agents.emplace_back(Identity{id, inventories.row(type, index)}, sim::stream_seed(seed, raw(id) + 1), symbol_count,
                          args...);
    }
  }

  // Called from inside matching: only bookkeeping here, never a request.
  void on_trade(SymbolId symbol, AgentId buyer, AgentId seller, Ticks price, Quantity quantity) noexcept override {
    if (raw(symbol) >= symbol_count) return;
    market.on_trade(symbol, price, quantity);
    book_fill(buyer, symbol, std::int64_t{quantity});
    book_fill(seller, symbol, -std::int64_t{quantity});
  }

  void book_fill(AgentId agent, SymbolId symbol, std::int64_t shares) noexcept {
    const std::int64_t row = inventories.row_of(agent);
    if (row < 0) return;
    inventories.at(static_cast<std::uint32_t>(row), symbol) += shares;
    // A maker whose quote traded re-quotes at its next look.
    if (agent_type_of(agent) == AgentType::MarketMaker) makers[agent_index_of(agent) - 1].mark_dirty(symbol);
  }

  void on_tick(std::int64_t now_ns, double activity, Exchange& exchange) noexcept {
    if (symbol_count == 0 || exchange.symbol_count() < symbol_count) return;
    market.advance();  // the world moves on whether anyone trades or not
    if (!(activity > 0.0)) return;
    activity = std::min(activity, kMaxActivity);
    clock += activity;
    Desk desk(exchange, market, inventories, now_ns, clock, ticks_per_second);

    for (const News& news : market.news()) {
      for (InformedTrader& trader : informed) trader.hear(news);
    }
    // Makers first, so the others meet a two-sided book.
    const double check_chance = std::min(1.0, kMakerChecksPerSecond / ticks_per_second * activity);
    for (std::size_t i = 0; i < symbol_count; ++i) {
      const SymbolId s{static_cast<std::uint16_t>(i)};
      const OrderBook& book = exchange.book(s);
      if (book.best_bid() == 0 || book.best_ask() == 0) {
        for (MarketMaker& maker : makers) maker.mark_dirty(s);
      }
      for (MarketMaker& maker : makers) maker.on_tick(s, desk, check_chance);
    }
    for (HftTrader& trader : hfts) trader.on_tick(desk, activity);
    for (InstitutionalInvestor& investor : institutional) investor.on_tick(desk, activity);
    for (InformedTrader& trader : informed) trader.on_tick(desk, activity);
    for (RetailTrader& trader : retail) trader.on_tick(desk, activity);
    for (NoiseTrader& trader : noise) trader.on_tick(desk, activity);
  }

  std::size_t symbol_count;
  double ticks_per_second;
  Market market;
  Inventories inventories;
  double clock = 0.0;  // agent time in ticks at activity 1
  std::vector<RetailTrader> retail;
  std::vector<InstitutionalInvestor> institutional;
  std::vector<MarketMaker> makers;
  std::vector<HftTrader> hfts;
  std::vector<NoiseTrader> noise;
  std::vector<InformedTrader> informed;
};

AgentPopulation::AgentPopulation(const ExchangeConfig& config, std::uint64_t seed)
    : impl_(std::make_unique<Impl>(config, seed)) {}

AgentPopulation::~AgentPopulation() = default;

void AgentPopulation::attach(Exchange& exchange) { exchange.set_trade_observer(impl_.get()); }

void AgentPopulation::on_tick(std::uint64_t, std::int64_t now_ns, double activity, Exchange& exchange) noexcept {
  impl_->on_tick(now_ns, activity, exchange);
}

std::size_t AgentPopulation::size() const noexcept {
  return impl_->retail.size() + impl_->institutional.size() + impl_->makers.size() + impl_->hfts.size() +
         impl_->noise.size() + impl_->informed.size();
}

}  // namespace ringside::engine
