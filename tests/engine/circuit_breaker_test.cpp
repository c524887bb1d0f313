// seeds/000 section 2.4.2: one symbol driven through all three breaker levels.
#include <gtest/gtest.h>

#include "engine_fixture.hpp"

namespace ringside::engine {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

class CircuitBreakerTest : public test::ExchangeFixture {
 protected:
  // A trade at `price`: a resting bid from one agent hit by a market sell from another.
  void trade_at(Ticks price) {
    ASSERT_EQ(limit(next_id_++, Side::Buy, price, 100, agent(1)).reject, RejectReason::None);
    ASSERT_EQ(market(next_id_++, Side::Sell, 100, agent(2)).filled, 100u);
  }
  void rest_some_orders() {
    for (int i = 0; i < 3; ++i) {
      limit(next_id_++, Side::Sell, 20000 + i, 50, agent(3));
      limit(next_id_++, Side::Buy, 10000 + i, 50, agent(3));
    }
  }
  void tick_at(std::int64_t t) {
    now_ = t;
    exchange().on_tick(++tick_, t);
  }
  std::uint64_t next_id_ = 1;
  std::uint64_t tick_ = 0;
};

TEST_F(CircuitBreakerTest, OneSymbolThroughAllThreeLevels) {
  const Ticks reference = exchange().symbols()[kSym].initial_price;  // AAPL 185.00
  ASSERT_EQ(reference, 18500);
  rest_some_orders();

  // A fall of less than 7 % halts nothing.
  trade_at(17300);  // 6.49 %
  EXPECT_FALSE(exchange().halted(kSym));

  // Level 1 at 7 %: new orders rejected, resting orders stay.
  clear_events();
  trade_at(17205);  // 185.00 * 0.93
  ASSERT_TRUE(exchange().halted(kSym));
  auto halts = frames<TradingHalt>();
  ASSERT_EQ(halts.size(), 1u);
  EXPECT_EQ(halts[0].level, 1u);
  EXPECT_EQ(halts[0].trigger_price, 17205);
  EXPECT_EQ(halts[0].reference_price, reference);
  EXPECT_EQ(halts[0].decline_bps, 700);
  EXPECT_EQ(halts[0].halt_duration_secs, 300);
  EXPECT_EQ(halts[0].reason, HaltReason::CircuitBreaker);
  EXPECT_TRUE(frames<OrderCancelled>().empty());
  EXPECT_EQ(book().resting_orders(), 6u);
  EXPECT_EQ(limit(next_id_++, Side::Buy, 17000, 10, agent(4)).reject, RejectReason::SymbolHalted);
  EXPECT_EQ(market(next_id_++, Side::Sell, 10, agent(4)).reject, RejectReason::SymbolHalted);
  // Another symbol trades on.
  EXPECT_FALSE(exchange().halted(SymbolId{1}));

  // Resume after exactly 300 s.
  clear_events();
  tick_at(halts[0].header.event_time_ns + 300 * kSecond - 1);
  EXPECT_TRUE(exchange().halted(kSym));
  tick_at(halts[0].header.event_time_ns + 300 * kSecond);
  EXPECT_FALSE(exchange().halted(kSym));
  auto resumes = frames<TradingResume>();
  ASSERT_EQ(resumes.size(), 1u);
  EXPECT_EQ(resumes[0].level, 1u);
  EXPECT_EQ(resumes[0].halt_duration_secs, 300);
  EXPECT_EQ(resumes[0].halted_at_ns, halts[0].header.event_time_ns);

  // Level 1 does not trigger twice; level 2 at 13 % cancels the resting orders.
  trade_at(17100);
  EXPECT_FALSE(exchange().halted(kSym));
  clear_events();
  trade_at(16095);  // 185.00 * 0.87
  ASSERT_TRUE(exchange().halted(kSym));
  halts = frames<TradingHalt>();
  ASSERT_EQ(halts.size(), 1u);
  EXPECT_EQ(halts[0].level, 2u);
  EXPECT_EQ(halts[0].decline_bps, 1300);
  EXPECT_EQ(halts[0].halt_duration_secs, 600);
  auto cancels = frames<OrderCancelled>();
  EXPECT_EQ(cancels.size(), 6u);
  for (const auto& c : cancels) EXPECT_EQ(c.reason, CancelReason::TradingHalt);
  EXPECT_EQ(book().resting_orders(), 0u);
  clear_events();
  tick_at(halts[0].header.event_time_ns + 600 * kSecond);
  ASSERT_EQ(frames<TradingResume>().size(), 1u);
  EXPECT_EQ(frames<TradingResume>()[0].level, 2u);

  // Level 3 at 20 % clears the book.
  rest_some_orders();
  clear_events();
  trade_at(14800);  // 185.00 * 0.80
  ASSERT_TRUE(exchange().halted(kSym));
  halts = frames<TradingHalt>();
  ASSERT_EQ(halts.size(), 1u);
  EXPECT_EQ(halts[0].level, 3u);
  EXPECT_EQ(halts[0].decline_bps, 2000);
  EXPECT_EQ(halts[0].halt_duration_secs, 900);
  cancels = frames<OrderCancelled>();
  EXPECT_EQ(cancels.size(), 6u);
  for (const auto& c : cancels) EXPECT_EQ(c.reason, CancelReason::BookCleared);
  EXPECT_EQ(book().level_count(Side::Buy), 0u);
  EXPECT_EQ(book().level_count(Side::Sell), 0u);
  const auto quotes = frames<QuoteUpdate>();
  ASSERT_FALSE(quotes.empty());
  EXPECT_EQ(quotes.back().bid_size, 0);
  EXPECT_EQ(quotes.back().ask_size, 0);
  clear_events();
  tick_at(halts[0].header.event_time_ns + 900 * kSecond - 1);
  EXPECT_TRUE(exchange().halted(kSym));
  tick_at(halts[0].header.event_time_ns + 900 * kSecond);
  EXPECT_FALSE(exchange().halted(kSym));
  ASSERT_EQ(frames<TradingResume>().size(), 1u);
  EXPECT_EQ(frames<TradingResume>()[0].halt_duration_secs, 900);
  EXPECT_EQ(limit(next_id_++, Side::Buy, 14000, 10, agent(4)).reject, RejectReason::None);
}

TEST_F(CircuitBreakerTest, AFallPastSeveralLevelsAtOnceTriggersTheHighest) {
  limit(1, Side::Buy, 16000, 100, agent(1));  // 13.5 % below 185.00
  market(2, Side::Sell, 100, agent(2));
  const auto halts = frames<TradingHalt>();
  ASSERT_EQ(halts.size(), 1u);
  EXPECT_EQ(halts[0].level, 2u);
}

}  // namespace
}  // namespace ringside::engine
