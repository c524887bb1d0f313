// The simulated traders against the real exchange: an hour of the default config
// stays a plausible market, every agent type trades within its seed parameters,
// the same seed gives the same stream, and halts and bursts are survived.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <span>
#include <vector>

#include "ringside/core/embedded_config.hpp"
#include "ringside/engine/agents.hpp"
#include "ringside/engine/exchange.hpp"

namespace ringside::engine::test {
namespace {

constexpr std::int64_t kStartNs = 1'771'425'000'000'000'000;  // 2026-02-18T14:30:00Z
constexpr std::size_t kAgentTypes = 6;

template <EventFrame Event>
Event copy_of(const FrameHeader& h) {
  Event e{};
  std::memcpy(&e, &h, std::min<std::size_t>(h.length, sizeof(Event)));
  return e;
}

std::size_t type_index(AgentId agent) { return static_cast<std::size_t>(agent_type_of(agent)); }

// An exchange and its agents on one config and seed, stepped tick by tick; after
// every tick the tick's frames are handed to `visit` and dropped.
class Market {
 public:
  Market(const ExchangeConfig& config, std::uint64_t seed)
      : config_(config), exchange_(config_.symbols, sink_, options_for(config_)), agents_(config_, seed) {
    agents_.attach(exchange_);
  }

  template <class Visit>
  void run(std::uint64_t ticks, double activity, Visit&& visit) {
    const std::int64_t tick_ns = std::int64_t{config_.simulation.tick_interval_ms} * 1'000'000;
    for (std::uint64_t end = tick_ + ticks; tick_ < end; ++tick_) {
      const std::int64_t now = kStartNs + static_cast<std::int64_t>(tick_) * tick_ns;
      exchange_.on_tick(tick_, now);
      agents_.on_tick(tick_, now, activity, exchange_);
      sink_.for_each(visit);
      sink_.clear();
    }
  }
  void run(std::uint64_t ticks, double activity = 1.0) {
    run(ticks, activity, [](const FrameHeader&) {});
  }

  Exchange& exchange() { return exchange_; }
  BufferSink& sink() { return sink_; }
  AgentPopulation& agents() { return agents_; }
  const ExchangeConfig& config() const { return config_; }
  std::uint64_t tick() const { return tick_; }

 private:
  ExchangeConfig config_;
  BufferSink sink_;
  Exchange exchange_;
  AgentPopulation agents_;
  std::uint64_t tick_ = 0;
};

// The most orders the agents may keep resting at once (their own caps).
std::size_t resting_bound(const ExchangeConfig& c) {
  const AgentCounts& n = c.agents;
  return n.retail_traders * 4 + n.institutional_investors * 2 + n.market_makers * c.symbols.size() * 4 +
         n.hft_traders * 16 + n.noise_traders * 3 + n.informed_traders * 4;
}

// What an hour of the default config looked like.
struct HourFigures {
  struct PerType {
    std::uint64_t orders = 0;
    std::uint64_t market_orders = 0;
    Quantity min_size = ~Quantity{0};
    Quantity max_size = 0;
    std::uint64_t actions = 0;
    std::array<std::uint64_t, 4> actions_by_kind{};
  };
  struct PerSymbol {
    Ticks initial = 0;
    Ticks low = 0;
    Ticks high = 0;
    Ticks last = 0;
    std::uint64_t trades = 0;
    double low_mid = 0.0;
    double high_mid = 0.0;
    std::uint32_t one_sided_samples = 0;  // sampled minutes with a side empty
  };
  std::array<PerType, kAgentTypes> types{};
  std::vector<PerSymbol> symbols;
  std::uint64_t frames = 0;
  std::uint64_t halts = 0;
  std::uint32_t samples = 0;
  std::size_t max_resting = 0;
  std::size_t resting_at_end = 0;
  double seconds = 0.0;
};

HourFigures run_hour() {
  const ExchangeConfig config = embedded_default_config();
  Market market(config, 42);
  HourFigures f;
  for (const Instrument& i : config.symbols) {
    HourFigures::PerSymbol s;
    s.initial = s.low = s.high = s.last = i.initial_price;
    s.low_mid = s.high_mid = static_cast<double>(i.initial_price);
    f.symbols.push_back(s);
  }
  const auto visit = [&](const FrameHeader& h) {
    ++f.frames;
    switch (h.type) {
      case EventType::OrderPlaced: {
        const auto o = copy_of<OrderPlaced>(h);
        if (type_index(o.agent) >= kAgentTypes) break;
        auto& t = f.types[type_index(o.agent)];
        ++t.orders;
        if (o.order_type == OrderType::Market) ++t.market_orders;
        t.min_size = std::min(t.min_size, o.quantity);
        t.max_size = std::max(t.max_size, o.quantity);
        break;
      }
      case EventType::AgentAction: {
        const auto a = copy_of<AgentAction>(h);
        if (type_index(a.agent) >= kAgentTypes) break;
        auto& t = f.types[type_index(a.agent)];
        ++t.actions;
        ++t.actions_by_kind[static_cast<std::size_t>(a.action)];
        break;
      }
      case EventType::TradeExecuted: {
        const auto tr = copy_of<TradeExecuted>(h);
        auto& s = f.symbols[raw(h.symbol)];
        s.low = std::min(s.low, tr.price);
        s.high = std::max(s.high, tr.price);
        s.last = tr.price;
        ++s.trades;
        break;
      }
      case EventType::TradingHalt:
        ++f.halts;
        break;
      default:
        break;
    }
  };

  const auto started = std::chrono::steady_clock::now();
  const std::uint64_t ticks_per_minute = 60'000 / config.simulation.tick_interval_ms;
  for (int minute = 0; minute < 60; ++minute) {
    market.run(ticks_per_minute, 1.0, visit);
    ++f.samples;
    for (std::size_t i = 0; i < f.symbols.size(); ++i) {
      const OrderBook& book = market.exchange().book(SymbolId{static_cast<std::uint16_t>(i)});
      auto& s = f.symbols[i];
      if (book.best_bid() == 0 || book.best_ask() == 0) {
        ++s.one_sided_samples;
        continue;
      }
      const double mid = 0.5 * static_cast<double>(book.best_bid() + book.best_ask());
      s.low_mid = std::min(s.low_mid, mid);
      s.high_mid = std::max(s.high_mid, mid);
    }
    f.max_resting = std::max(f.max_resting, market.exchange().orders_in_use());
  }
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  f.resting_at_end = market.exchange().orders_in_use();
  return f;
}

const HourFigures& hour() {
  static const HourFigures figures = run_hour();
  return figures;
}

constexpr const char* kTypeNames[kAgentTypes] = {"retail", "institutional", "market maker", "hft", "noise", "informed"};

TEST(Agents, AnHourOfTheDefaultConfigStaysAPlausibleMarket) {
  const HourFigures& f = hour();
  const ExchangeConfig config = embedded_default_config();
  std::printf("one hour, seed 42: %.2f s, %llu frames, %llu halts, resting orders max %zu (bound %zu)\n", f.seconds,
              static_cast<unsigned long long>(f.frames), static_cast<unsigned long long>(f.halts), f.max_resting,
              resting_bound(config));
  for (std::size_t i = 0; i < f.symbols.size(); ++i) {
    const auto& s = f.symbols[i];
    const double p0 = static_cast<double>(s.initial);
    std::printf("  %-6s trades %7llu  last %.4f  trade range [%.4f, %.4f]  mid range [%.4f, %.4f]  one-sided %u\n",
                config.symbols[SymbolId{static_cast<std::uint16_t>(i)}].ticker.c_str(),
                static_cast<unsigned long long>(s.trades), static_cast<double>(s.last) / p0,
                static_cast<double>(s.low) / p0, static_cast<double>(s.high) / p0, s.low_mid / p0, s.high_mid / p0,
                s.one_sided_samples);
  }
  for (std::size_t t = 0; t < kAgentTypes; ++t) {
    const auto& p = f.types[t];
    std::printf(
        "  %-13s orders %8llu (%.1f %% market) sizes [%u, %u] actions %8llu (place %llu cancel %llu adjust %llu)\n",
        kTypeNames[t], static_cast<unsigned long long>(p.orders),
        p.orders ? 100.0 * static_cast<double>(p.market_orders) / static_cast<double>(p.orders) : 0.0, p.min_size,
        p.max_size, static_cast<unsigned long long>(p.actions), static_cast<unsigned long long>(p.actions_by_kind[0]),
        static_cast<unsigned long long>(p.actions_by_kind[1]), static_cast<unsigned long long>(p.actions_by_kind[2]));
  }

  for (std::size_t i = 0; i < f.symbols.size(); ++i) {
    const auto& s = f.symbols[i];
    SCOPED_TRACE(config.symbols[SymbolId{static_cast<std::uint16_t>(i)}].ticker);
    const double p0 = static_cast<double>(s.initial);
    EXPECT_GT(s.trades, 1'000u);
    EXPECT_GE(static_cast<double>(s.low), 0.7 * p0);
    EXPECT_LE(static_cast<double>(s.high), 1.4 * p0);
    EXPECT_GE(s.low_mid, 0.7 * p0);
    EXPECT_LE(s.high_mid, 1.4 * p0);
    // A side may be empty for a moment after a sweep, never for long.
    EXPECT_LE(s.one_sided_samples, 1u);
  }
  for (std::size_t t = 0; t < kAgentTypes; ++t) {
    SCOPED_TRACE(kTypeNames[t]);
    EXPECT_GT(f.types[t].orders, 0u);
    EXPECT_GT(f.types[t].actions_by_kind[static_cast<std::size_t>(AgentActionKind::PlaceOrder)], 0u);
  }
  EXPECT_GT(f.types[2].actions_by_kind[static_cast<std::size_t>(AgentActionKind::AdjustQuote)], 0u);
  EXPECT_GT(f.types[3].actions_by_kind[static_cast<std::size_t>(AgentActionKind::CancelOrder)], 0u);
  EXPECT_EQ(f.halts, 0u);
  EXPECT_LE(f.max_resting, resting_bound(config));
  EXPECT_LE(f.resting_at_end, resting_bound(config));
  // Well inside the suite's time even on a busy 2-core machine (Release).
#ifdef NDEBUG
  EXPECT_LT(f.seconds, 30.0);
#endif
}

TEST(Agents, EachTypeTradesWithinItsSizesAndOrderTypeMix) {
  const HourFigures& f = hour();
  struct Expect {
    Quantity lo, hi;
    double market_share;  // seeds/000 section 2.3
    double tolerance;
  };
  constexpr Expect kExpect[kAgentTypes] = {
      {10, 500, 0.70, 0.05},        // retail: 70 % market
      {1'000, 10'000, 0.10, 0.06},  // institutional: 90 % limit
      {100, 1'000, 0.0, 0.0},       // market makers: 100 % limit
      {50, 500, 0.0, 0.0},          // HFT: 100 % limit
      {10, 200, 0.50, 0.05},        // noise: 50/50
      {200, 2'000, 0.20, 0.06},     // informed: 80 % limit
  };
  for (std::size_t t = 0; t < kAgentTypes; ++t) {
    SCOPED_TRACE(kTypeNames[t]);
    const auto& p = f.types[t];
    ASSERT_GT(p.orders, 100u);
    EXPECT_GE(p.min_size, kExpect[t].lo);
    EXPECT_LE(p.max_size, kExpect[t].hi);
    const double market_share = static_cast<double>(p.market_orders) / static_cast<double>(p.orders);
    EXPECT_NEAR(market_share, kExpect[t].market_share, kExpect[t].tolerance);
  }
  // Frequencies: market makers and HFT dominate the order flow, institutions are rare.
  EXPECT_GT(f.types[3].orders, f.types[0].orders);
  EXPECT_GT(f.types[0].orders, f.types[1].orders * 10);
  // Retail at 1-5 orders a minute each (market orders on an empty side are skipped).
  const double retail_per_minute = static_cast<double>(f.types[0].orders) / 60.0 / 200.0;
  EXPECT_GT(retail_per_minute, 2.0);
  EXPECT_LT(retail_per_minute, 4.0);
}

// FNV-1a over a tick's committed bytes.
std::uint64_t digest(std::span<const std::byte> bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const std::byte b : bytes) h = (h ^ static_cast<std::uint64_t>(b)) * 0x100000001b3ULL;
  return h;
}

std::vector<std::uint64_t> tick_digests(std::uint64_t seed, std::uint64_t ticks) {
  Market market(embedded_default_config(), seed);
  std::vector<std::uint64_t> out;
  out.reserve(ticks);
  for (std::uint64_t i = 0; i < ticks; ++i) {
    const std::int64_t now = kStartNs + static_cast<std::int64_t>(i) * 100'000'000;
    market.exchange().on_tick(i, now);
    market.agents().on_tick(i, now, 1.0, market.exchange());
    out.push_back(digest(market.sink().committed()) ^ market.sink().committed().size());
    market.sink().clear();
  }
  return out;
}

TEST(Agents, TheSameSeedGivesTheSameStreamByteForByte) {
  const auto a = tick_digests(7, 3'000);
  const auto b = tick_digests(7, 3'000);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << "first difference at tick " << i;
  const auto c = tick_digests(8, 3'000);
  EXPECT_NE(a, c);
}

TEST(Agents, ActionsCarryTheirDetails) {
  Market market(embedded_default_config(), 3);
  std::array<bool, kAgentTypes> placed{};
  bool sliced = false;
  bool quoted = false;
  market.run(6'000, 1.0, [&](const FrameHeader& h) {
    if (h.type != EventType::AgentAction) return;
    const auto a = copy_of<AgentAction>(h);
    ASSERT_EQ(h.length, agent_action_frame_length(a.detail_count));
    ASSERT_LE(a.detail_count, kMaxAgentDetails);
    ASSERT_EQ(a.reserved[0] | a.reserved[1], 0);
    ASSERT_LT(type_index(a.agent), kAgentTypes);
    ASSERT_GE(agent_index_of(a.agent), 1u);
    bool has[kMaxDetailKey + 1] = {};
    for (std::size_t i = 0; i < a.detail_count; ++i) {
      ASSERT_LE(static_cast<unsigned>(a.details[i].key), kMaxDetailKey);
      for (const std::uint8_t r : a.details[i].reserved) ASSERT_EQ(r, 0);
      has[static_cast<std::size_t>(a.details[i].key)] = true;
    }
    EXPECT_TRUE(has[static_cast<std::size_t>(DetailKey::Strategy)]);
    if (a.action == AgentActionKind::PlaceOrder) {
      placed[type_index(a.agent)] = true;
      EXPECT_TRUE(has[static_cast<std::size_t>(DetailKey::Side)]);
      EXPECT_TRUE(has[static_cast<std::size_t>(DetailKey::OrderQuantity)]);
      EXPECT_TRUE(has[static_cast<std::size_t>(DetailKey::OrderId)]);
      if (agent_type_of(a.agent) == AgentType::Institutional) {
        sliced = true;
        EXPECT_TRUE(has[static_cast<std::size_t>(DetailKey::Slice)]);
        EXPECT_TRUE(has[static_cast<std::size_t>(DetailKey::Slices)]);
        EXPECT_TRUE(has[static_cast<std::size_t>(DetailKey::TargetQuantity)]);
      }
    }
    if (a.action == AgentActionKind::AdjustQuote) {
      quoted = true;
      EXPECT_TRUE(has[static_cast<std::size_t>(DetailKey::BidPrice)]);
      EXPECT_TRUE(has[static_cast<std::size_t>(DetailKey::AskPrice)]);
      EXPECT_TRUE(has[static_cast<std::size_t>(DetailKey::Inventory)]);
    }
  });
  for (std::size_t t = 0; t < kAgentTypes; ++t) EXPECT_TRUE(placed[t]) << kTypeNames[t];
  EXPECT_TRUE(sliced);
  EXPECT_TRUE(quoted);
}

// Burst mode at 50x and the pre-market at 0.1x: bounded books, sane prices.
TEST(Agents, StaySaneAtFiftyTimesAndAtATenthOfTheActivity) {
  for (const double activity : {50.0, 0.1}) {
    SCOPED_TRACE(activity);
    const ExchangeConfig config = embedded_default_config();
    Market market(config, 11);
    std::uint64_t orders = 0;
    const auto started = std::chrono::steady_clock::now();
    for (int second = 0; second < 30; ++second) {
      market.run(10, activity, [&](const FrameHeader& h) { orders += h.type == EventType::OrderPlaced; });
      EXPECT_LE(market.exchange().orders_in_use(), resting_bound(config));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("activity %.1f: %llu orders in 30 simulated seconds, %.2f s\n", activity,
                static_cast<unsigned long long>(orders), seconds);
    for (const Instrument& i : config.symbols) {
      const OrderBook& book = market.exchange().book(i.id);
      SCOPED_TRACE(i.ticker);
      EXPECT_GT(book.best_bid(), 0);
      EXPECT_GT(book.best_ask(), book.best_bid());
      const double p0 = static_cast<double>(i.initial_price);
      EXPECT_NEAR(static_cast<double>(book.best_bid()), p0, 0.1 * p0);
      EXPECT_NEAR(static_cast<double>(book.best_ask()), p0, 0.1 * p0);
    }
  }
}

// A crash forced from outside trips the breaker: the agents place nothing in the
// halted symbol, and once it resumes the market makers rebuild the book and the
// price goes back to where the agents think it belongs.
TEST(Agents, SurviveACircuitBreakerHalt) {
  struct Crash {
    Ticks percent;
    std::uint8_t level;
  };
  for (const Crash crash : {Crash{10, 1}, Crash{25, 3}}) {  // level 1 keeps the book, level 3 clears it
    SCOPED_TRACE(crash.percent);
    const ExchangeConfig config = embedded_test_config();
    Market market(config, 5);
    market.run(200);
    const SymbolId s{0};
    const Ticks p0 = config.symbols[s].initial_price;
    const AgentId crasher = make_agent_id(AgentType::External, 1);
    const std::int64_t now = kStartNs + static_cast<std::int64_t>(market.tick()) * 50'000'000;
    Exchange& ex = market.exchange();
    ASSERT_EQ(ex.submit(s,
                        NewOrder{ex.next_order_id(), make_agent_id(AgentType::External, 2), Side::Buy, OrderType::Limit,
                                 TimeInForce::GTC, p0 * (100 - crash.percent) / 100, 1'000'000},
                        now)
                  .reject,
              RejectReason::None);
    ex.commit();
    ASSERT_EQ(
        ex.submit(s,
                  NewOrder{ex.next_order_id(), crasher, Side::Sell, OrderType::Market, TimeInForce::IOC, 0, 2'000'000},
                  now)
            .reject,
        RejectReason::None);
    ex.commit();
    ASSERT_TRUE(ex.halted(s));  // the sell took every bid, the external one included
    EXPECT_EQ(ex.breaker(s).level, crash.level);
    market.sink().clear();

    std::uint64_t placed_while_halted = 0;
    std::uint64_t actions_while_halted = 0;
    std::uint64_t ticks = 0;
    while (ex.halted(s)) {
      market.run(1, 1.0, [&](const FrameHeader& h) {
        if (h.symbol != s || !ex.halted(s)) return;
        placed_while_halted += h.type == EventType::OrderPlaced;
        actions_while_halted +=
            h.type == EventType::AgentAction && copy_of<AgentAction>(h).action == AgentActionKind::PlaceOrder;
      });
      ASSERT_LT(++ticks, 20'000u) << "no resume";
    }
    EXPECT_EQ(placed_while_halted, 0u);
    EXPECT_EQ(actions_while_halted, 0u);
    // A minute after the resume the book is two-sided again and near the agents' value.
    market.run(1'200);
    const OrderBook& book = ex.book(s);
    EXPECT_GT(book.best_bid(), 0);
    EXPECT_GT(book.best_ask(), book.best_bid());
    EXPECT_NEAR(static_cast<double>(book.best_bid()), static_cast<double>(p0), 0.05 * static_cast<double>(p0));
  }
}

}  // namespace
}  // namespace ringside::engine::test
