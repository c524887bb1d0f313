// The readable one-line rendering of `ringside tail`: one line per type with the
// essential fields, prices exact from ticks in each symbol's scale, dates on change.
#include "ringside/tools/event_text.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/test_symbols.hpp"
#include "ringside/core/frame_check.hpp"
#include "ringside/core/iso_time.hpp"

namespace ringside::tools {
namespace {

// 2026-01-05T14:30:00.123456789Z
const std::int64_t kTime = *parse_iso_timestamp("2026-01-05T14:30:00.123456Z") + 789;

class EventTextTest : public ::testing::Test {
 protected:
  SymbolTable symbols_ = test::test_symbols();  // AAPL 0.01, BRK.B 0.05, EURUSD 0.0001
  EventText text_{&symbols_};

  template <EventFrame Event>
  std::string line(Event& e, SymbolId symbol, std::uint32_t length = fixed_frame_length<Event>()) {
    init_header(e, symbol, kTime, length);
    e.header.sequence = 4711;
    EXPECT_EQ(check_frame(&e, length, symbols_.size()), FrameError::None);
    return std::string(text_.render(e.header));
  }
};

TEST_F(EventTextTest, TradeExecutedWithExactPrice) {
  TradeExecuted t{};
  t.trade_id = TradeId{42};
  t.price = 15025;  // 150.25
  t.quantity = 100;
  t.buyer_agent = make_agent_id(AgentType::Retail, 42);
  t.seller_agent = make_agent_id(AgentType::MarketMaker, 3);
  t.aggressor_side = Side::Buy;
  EXPECT_EQ(line(t, SymbolId{0}),
            "4711 14:30:00.123456 TradeExecuted AAPL 100 @ 150.25 aggressor=Buy buyer=retail-0042 seller=mm-003 "
            "trade=72696e67-0002-4000-8000-00000000002a");
}

TEST_F(EventTextTest, PricesUseTheSymbolsScale) {
  TradeExecuted t{};
  t.price = 1617;  // 1617 ticks of 0.05 = 80.85
  t.quantity = 7;
  t.aggressor_side = Side::Sell;
  EXPECT_NE(line(t, SymbolId{1}).find("BRK.B 7 @ 80.85 aggressor=Sell"), std::string::npos);
  t.price = 10851;  // ticks of 0.0001
  EXPECT_NE(line(t, SymbolId{2}).find("EURUSD 7 @ 1.0851 "), std::string::npos);
  t.price = 3;
  EXPECT_NE(line(t, SymbolId{0}).find(" @ 0.03 "), std::string::npos);
}

TEST_F(EventTextTest, OrdersAndCancels) {
  OrderPlaced o{};
  o.order_id = OrderId{7};
  o.price = 18510;
  o.quantity = 250;
  o.agent = make_agent_id(AgentType::HFT, 12);
  o.side = Side::Sell;
  o.order_type = OrderType::Limit;
  o.time_in_force = TimeInForce::IOC;
  EXPECT_EQ(line(o, SymbolId{0}),
            "4711 14:30:00.123456 OrderPlaced AAPL Sell Limit IOC 250 @ 185.10 agent=hft-012 "
            "order=72696e67-0001-4000-8000-000000000007");
  o.order_type = OrderType::Market;
  o.price = 0;
  EXPECT_NE(line(o, SymbolId{0}).find("OrderPlaced AAPL Sell Market IOC 250 agent=hft-012"), std::string::npos);

  OrderCancelled c{};
  c.order_id = OrderId{7};
  c.price = 18510;
  c.remaining_quantity = 50;
  c.agent = make_agent_id(AgentType::External, 1);
  c.side = Side::Buy;
  c.reason = CancelReason::SelfTradePrevention;
  EXPECT_EQ(line(c, SymbolId{0}),
            "4711 14:30:00.123456 OrderCancelled AAPL Buy 50 @ 185.10 reason=SelfTradePrevention agent=ext-0001 "
            "order=72696e67-0001-4000-8000-000000000007");
}

TEST_F(EventTextTest, QuotesShowEmptySides) {
  QuoteUpdate q{};
  q.bid_price = 18500;
  q.bid_size = 300;
  q.ask_price = 18502;
  q.ask_size = 200;
  EXPECT_EQ(line(q, SymbolId{0}), "4711 14:30:00.123456 QuoteUpdate AAPL bid 185.00 x 300 ask 185.02 x 200 spread 0.02");
  q.ask_price = 0;
  q.ask_size = 0;
  EXPECT_EQ(line(q, SymbolId{0}), "4711 14:30:00.123456 QuoteUpdate AAPL bid 185.00 x 300 ask -");
}

TEST_F(EventTextTest, SnapshotShowsTheTopLevels) {
  OrderBookSnapshot s{};
  s.sequence_number = 812;
  s.bid_count = 4;
  s.ask_count = 1;
  const Ticks prices[] = {18500, 18499, 18498, 18497, 18503};
  for (int i = 0; i < 5; ++i) s.levels[i] = {prices[i], 100 * (i + 1)};
  EXPECT_EQ(line(s, SymbolId{0}, snapshot_frame_length(4, 1)),
            "4711 14:30:00.123456 OrderBookSnapshot AAPL #812 bids 4 asks 1 | 185.00 x 100, 184.99 x 200, "
            "184.98 x 300, ... | 185.03 x 500");
  s.bid_count = 0;
  s.ask_count = 0;
  EXPECT_EQ(line(s, SymbolId{0}, snapshot_frame_length(0, 0)),
            "4711 14:30:00.123456 OrderBookSnapshot AAPL #812 bids 0 asks 0 | - | -");
}

TEST_F(EventTextTest, HaltResumeStatsAndActions) {
  TradingHalt h{};
  h.trigger_price = 17205;
  h.reference_price = 18500;
  h.decline_bps = 700;
  h.halt_duration_secs = 300;
  h.level = 1;
  EXPECT_EQ(line(h, SymbolId{0}),
            "4711 14:30:00.123456 TradingHalt AAPL level 1 CircuitBreaker trigger 172.05 reference 185.00 "
            "decline 7.00% for 300 s");

  TradingResume r{};
  r.halted_at_ns = kTime - 300'000'000'000;
  r.halt_duration_secs = 300;
  r.level = 1;
  EXPECT_EQ(line(r, SymbolId{0}),
            "4711 14:30:00.123456 TradingResume AAPL level 1 after 300 s halted_at=2026-01-05T14:25:00.123456Z");

  MarketStats m{};
  m.open = 18500;
  m.high = 18600;
  m.low = 18400;
  m.last = 18550;
  m.volume = 3;
  m.notional_ticks = 18500 + 18501 + 18501;  // vwap 185.006666.. -> 185.006667 (4 more decimals, half away from zero)
  m.trade_count = 2;
  EXPECT_EQ(line(m, SymbolId{0}),
            "4711 14:30:00.123456 MarketStats AAPL open 185.00 high 186.00 low 184.00 last 185.50 volume 3 trades 2 "
            "vwap 185.006667");

  AgentAction a{};
  a.agent = make_agent_id(AgentType::Institutional, 2);
  a.action = AgentActionKind::PlaceOrder;
  a.detail_count = 4;
  a.details[0] = {DetailKey::Strategy, {}, static_cast<std::int64_t>(Strategy::BlockAccumulation)};
  a.details[1] = {DetailKey::Side, {}, static_cast<std::int64_t>(Side::Buy)};
  a.details[2] = {DetailKey::Price, {}, 1617};
  a.details[3] = {DetailKey::OrderQuantity, {}, 5000};
  EXPECT_EQ(line(a, SymbolId{1}, agent_action_frame_length(4)),
            "4711 14:30:00.123456 AgentAction BRK.B inst-002 Institutional PlaceOrder strategy=block_accumulation "
            "side=Buy price=80.85 quantity=5000");
}

TEST_F(EventTextTest, WithoutASymbolTableShowsIdsAndTicks) {
  EventText bare(nullptr);
  TradeExecuted t{};
  init_header(t, SymbolId{77}, kTime);
  t.header.sequence = 9;
  t.price = 15025;
  t.quantity = 1;
  EXPECT_NE(std::string(bare.render(t.header)).find("9 14:30:00.123456 TradeExecuted #77 1 @ 15025 "), std::string::npos);
}

TEST_F(EventTextTest, DateLineOnlyWhenTheDayChanges) {
  QuoteUpdate q{};
  init_header(q, SymbolId{0}, kTime);
  EXPECT_EQ(text_.date_change(q.header), "2026-01-05");
  EXPECT_EQ(text_.date_change(q.header), "");
  q.header.event_time_ns = kTime + 10 * 3600 * 1'000'000'000ll;  // 00:30 the next day
  EXPECT_EQ(text_.date_change(q.header), "2026-01-06");
  EXPECT_EQ(text_.date_change(q.header), "");
}

TEST(TextCursorTest, DecimalsAreExactAtTheExtremes) {
  char buffer[64];
  const auto text = [&](Int128 v, unsigned d) {
    TextCursor c(buffer);
    c.decimal(v, d);
    return std::string(buffer, c.position());
  };
  EXPECT_EQ(text(0, 2), "0.00");
  EXPECT_EQ(text(-5, 2), "-0.05");
  EXPECT_EQ(text(7, 0), "7");
  EXPECT_EQ(text(123456789, 9), "0.123456789");
  EXPECT_EQ(text(static_cast<Int128>(INT64_MAX) * 1000, 2), "92233720368547758070.00");
  EXPECT_EQ(text(static_cast<Int128>(INT64_MIN), 4), "-922337203685477.5808");
}

}  // namespace
}  // namespace ringside::tools
