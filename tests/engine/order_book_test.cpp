// Matching: price-time priority, order types, self-trade prevention, cancels,
// quotes, snapshots, statistics — asserted on the events the book publishes.
#include <gtest/gtest.h>

#include <vector>

#include "engine_fixture.hpp"

namespace ringside::engine {
namespace {

using test::ExchangeFixture;

class OrderBookTest : public ExchangeFixture {};

TEST_F(OrderBookTest, LimitOrdersRestAndTheQuoteFollowsTheTouch) {
  EXPECT_EQ(limit(1, Side::Buy, 18500, 100).resting, 100u);
  EXPECT_EQ(limit(2, Side::Sell, 18510, 200).resting, 200u);
  EXPECT_EQ(limit(3, Side::Buy, 18490, 300).resting, 300u);  // behind the touch: no quote change
  const auto quotes = frames<QuoteUpdate>();
  ASSERT_EQ(quotes.size(), 2u);
  EXPECT_EQ(quotes[1].bid_price, 18500);
  EXPECT_EQ(quotes[1].bid_size, 100);
  EXPECT_EQ(quotes[1].ask_price, 18510);
  EXPECT_EQ(quotes[1].ask_size, 200);
  EXPECT_EQ(book().level_count(Side::Buy), 2u);
  EXPECT_EQ(book().level(Side::Buy, 1).price, 18490);
  EXPECT_EQ(frames<OrderPlaced>().size(), 3u);
}

// The seed's example (section 2.4.1): a market buy of 400 against 300 @ .52 and 900 @ .55.
TEST_F(OrderBookTest, MarketOrderFillsAcrossLevelsOneTradePerFillWithTheAggressorSide) {
  limit(1, Side::Sell, 18560, 600);
  limit(2, Side::Sell, 18555, 900);
  limit(3, Side::Sell, 18552, 300);
  clear_events();
  const SubmitResult r = market(4, Side::Buy, 400, agent(2));
  EXPECT_EQ(r.filled, 400u);
  const auto trades = frames<TradeExecuted>();
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].price, 18552);
  EXPECT_EQ(trades[0].quantity, 300u);
  EXPECT_EQ(trades[1].price, 18555);
  EXPECT_EQ(trades[1].quantity, 100u);
  for (const auto& t : trades) {
    EXPECT_EQ(t.aggressor_side, Side::Buy);
    EXPECT_EQ(t.buyer_order_id, OrderId{4});
  }
  EXPECT_EQ(trades[0].seller_order_id, OrderId{3});
  EXPECT_LT(raw(trades[0].trade_id), raw(trades[1].trade_id));
  EXPECT_EQ(book().best_ask(), 18555);
  EXPECT_EQ(book().level(Side::Sell, 0).volume, 800);
  const auto quotes = frames<QuoteUpdate>();
  ASSERT_EQ(quotes.size(), 1u);
  EXPECT_EQ(quotes[0].ask_price, 18555);
  EXPECT_EQ(quotes[0].ask_size, 800);
  // Event order: the order, its fills, then the quote.
  EXPECT_EQ(types(), (std::vector<EventType>{EventType::OrderPlaced, EventType::TradeExecuted,
                                             EventType::TradeExecuted, EventType::QuoteUpdate}));
}

TEST_F(OrderBookTest, TimePriorityWithinALevel) {
  limit(1, Side::Buy, 18500, 100, agent(1));
  limit(2, Side::Buy, 18500, 100, agent(2));
  limit(3, Side::Buy, 18500, 100, agent(3));
  clear_events();
  limit(4, Side::Sell, 18500, 150, agent(4));
  const auto trades = frames<TradeExecuted>();
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].buyer_order_id, OrderId{1});
  EXPECT_EQ(trades[1].buyer_order_id, OrderId{2});
  EXPECT_EQ(trades[1].quantity, 50u);
  EXPECT_EQ(trades[0].aggressor_side, Side::Sell);
  ASSERT_NE(exchange().find_order(OrderId{2}), nullptr);
  EXPECT_EQ(exchange().find_order(OrderId{2})->remaining, 50u);
  EXPECT_EQ(exchange().find_order(OrderId{1}), nullptr);
}

TEST_F(OrderBookTest, PricePriorityBeatsTimeAndTradesAtTheRestingPrice) {
  limit(1, Side::Sell, 18520, 100, agent(1));
  limit(2, Side::Sell, 18510, 100, agent(2));
  clear_events();
  limit(3, Side::Buy, 18530, 150, agent(3));  // better than both asks
  const auto trades = frames<TradeExecuted>();
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].seller_order_id, OrderId{2});
  EXPECT_EQ(trades[0].price, 18510);
  EXPECT_EQ(trades[1].price, 18520);
  EXPECT_EQ(trades[1].quantity, 50u);
  EXPECT_EQ(book().best_ask(), 18520);
}

TEST_F(OrderBookTest, LimitOrderRestsItsRemainderAfterAPartialFill) {
  limit(1, Side::Sell, 18510, 100, agent(1));
  const SubmitResult r = limit(2, Side::Buy, 18515, 250, agent(2));
  EXPECT_EQ(r.filled, 100u);
  EXPECT_EQ(r.resting, 150u);
  EXPECT_EQ(book().best_bid(), 18515);
  EXPECT_EQ(book().level(Side::Buy, 0).volume, 150);
  EXPECT_EQ(book().level_count(Side::Sell), 0u);
}

TEST_F(OrderBookTest, MarketOrderWithoutLiquidityHasItsRestCancelledWithAReason) {
  limit(1, Side::Sell, 18510, 100, agent(1));
  clear_events();
  const SubmitResult r = market(2, Side::Buy, 300, agent(2));
  EXPECT_EQ(r.filled, 100u);
  EXPECT_EQ(r.cancelled, 200u);
  const auto cancels = frames<OrderCancelled>();
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].order_id, OrderId{2});
  EXPECT_EQ(cancels[0].remaining_quantity, 200u);
  EXPECT_EQ(cancels[0].reason, CancelReason::NoLiquidity);
  EXPECT_EQ(book().level_count(Side::Buy), 0u);  // a market order never rests
}

TEST_F(OrderBookTest, ImmediateOrCancelFillsWhatItCanAndCancelsTheRest) {
  limit(1, Side::Sell, 18510, 100, agent(1));
  limit(2, Side::Sell, 18520, 100, agent(1));
  clear_events();
  const SubmitResult r = limit(3, Side::Buy, 18510, 300, agent(2), TimeInForce::IOC);
  EXPECT_EQ(r.filled, 100u);
  EXPECT_EQ(r.resting, 0u);
  EXPECT_EQ(r.cancelled, 200u);
  ASSERT_EQ(frames<OrderCancelled>().size(), 1u);
  EXPECT_EQ(frames<OrderCancelled>()[0].reason, CancelReason::ImmediateOrCancel);
  EXPECT_EQ(book().level_count(Side::Buy), 0u);
  EXPECT_EQ(book().best_ask(), 18520);
}

TEST_F(OrderBookTest, FillOrKillTradesAllOrNothing) {
  limit(1, Side::Sell, 18510, 100, agent(1));
  limit(2, Side::Sell, 18520, 100, agent(1));
  clear_events();
  SubmitResult r = limit(3, Side::Buy, 18520, 250, agent(2), TimeInForce::FOK);
  EXPECT_EQ(r.filled, 0u);
  EXPECT_EQ(r.cancelled, 250u);
  EXPECT_TRUE(frames<TradeExecuted>().empty());
  ASSERT_EQ(frames<OrderCancelled>().size(), 1u);
  EXPECT_EQ(frames<OrderCancelled>()[0].reason, CancelReason::FillOrKill);
  EXPECT_EQ(book().level(Side::Sell, 0).volume, 100);  // untouched

  r = limit(4, Side::Buy, 18520, 200, agent(2), TimeInForce::FOK);
  EXPECT_EQ(r.filled, 200u);
  EXPECT_EQ(book().level_count(Side::Sell), 0u);
}

TEST_F(OrderBookTest, SelfTradePreventionCancelsTheRestingOrderAndMatchingGoesOn) {
  limit(1, Side::Sell, 18510, 100, agent(7));
  limit(2, Side::Sell, 18510, 100, agent(8));
  clear_events();
  const SubmitResult r = limit(3, Side::Buy, 18510, 100, agent(7));
  EXPECT_EQ(r.filled, 100u);
  const auto cancels = frames<OrderCancelled>();
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].order_id, OrderId{1});
  EXPECT_EQ(cancels[0].reason, CancelReason::SelfTradePrevention);
  const auto trades = frames<TradeExecuted>();
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].seller_order_id, OrderId{2});
  EXPECT_NE(trades[0].buyer_agent, trades[0].seller_agent);
}

TEST_F(OrderBookTest, CancelAndReduceById) {
  limit(1, Side::Buy, 18500, 300, agent(1));
  limit(2, Side::Buy, 18500, 100, agent(2));
  clear_events();
  EXPECT_EQ(exchange().reduce(kSym, OrderId{1}, 100, now()), RejectReason::None);
  commit();
  EXPECT_EQ(exchange().find_order(OrderId{1})->remaining, 200u);
  EXPECT_EQ(book().level(Side::Buy, 0).volume, 300);
  const auto actions = frames<AgentAction>();
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_TRUE(actions.front().action == AgentActionKind::ReduceOrder);
  EXPECT_EQ(actions.front().detail_count, 4u);
  // Reducing keeps time priority: order 1 still trades first.
  limit(3, Side::Sell, 18500, 50, agent(3));
  EXPECT_EQ(frames<TradeExecuted>().back().buyer_order_id, OrderId{1});

  clear_events();
  EXPECT_EQ(exchange().cancel(kSym, OrderId{1}, now()), RejectReason::None);
  commit();
  ASSERT_EQ(frames<OrderCancelled>().size(), 1u);
  EXPECT_EQ(frames<OrderCancelled>()[0].remaining_quantity, 150u);
  EXPECT_EQ(frames<OrderCancelled>()[0].reason, CancelReason::AgentCancelled);
  EXPECT_EQ(exchange().cancel(kSym, OrderId{1}, now()), RejectReason::UnknownOrder);
  EXPECT_EQ(exchange().cancel(kSym, OrderId{999}, now()), RejectReason::UnknownOrder);
  EXPECT_EQ(exchange().cancel(SymbolId{1}, OrderId{2}, now()), RejectReason::UnknownOrder);  // wrong book
  // Reducing by at least the rest cancels.
  EXPECT_EQ(exchange().reduce(kSym, OrderId{2}, 500, now()), RejectReason::None);
  EXPECT_EQ(book().level_count(Side::Buy), 0u);
  EXPECT_EQ(book().resting_orders(), 0u);
}

TEST_F(OrderBookTest, BadRequestsAreRejectedAndPublishNothing) {
  NewOrder o{OrderId{1}, agent(1), Side::Buy, OrderType::Limit, TimeInForce::GTC, 0, 100};
  EXPECT_EQ(exchange().submit(kSym, o, now()).reject, RejectReason::BadPrice);
  o.price = -5;
  EXPECT_EQ(exchange().submit(kSym, o, now()).reject, RejectReason::BadPrice);
  o.price = 18500;
  o.quantity = 0;
  EXPECT_EQ(exchange().submit(kSym, o, now()).reject, RejectReason::BadQuantity);
  o.quantity = kMaxOrderQuantity + 1;
  EXPECT_EQ(exchange().submit(kSym, o, now()).reject, RejectReason::BadQuantity);
  o.quantity = 100;
  EXPECT_EQ(exchange().submit(SymbolId{77}, o, now()).reject, RejectReason::UnknownSymbol);
  o.id = OrderId{0};
  EXPECT_EQ(exchange().submit(kSym, o, now()).reject, RejectReason::BadOrderId);
  o.id = OrderId{1};
  EXPECT_EQ(exchange().submit(kSym, o, now()).reject, RejectReason::None);
  clear_events();
  EXPECT_EQ(exchange().submit(kSym, o, now()).reject, RejectReason::DuplicateOrderId);
  commit();
  EXPECT_EQ(sink().committed().size(), 0u);
}

TEST_F(OrderBookTest, AFullOrderPoolRejectsInsteadOfGrowing) {
  ExchangeOptions options;
  options.max_orders = 4;
  rebuild(options);
  for (std::uint64_t id = 1; id <= 4; ++id) {
    EXPECT_EQ(limit(id, Side::Buy, 18500 - static_cast<Ticks>(id), 10).reject, RejectReason::None);
  }
  EXPECT_EQ(limit(5, Side::Buy, 18400, 10).reject, RejectReason::BookFull);
  // Orders that cannot rest still trade.
  EXPECT_EQ(limit(6, Side::Sell, 18499, 10, agent(9), TimeInForce::IOC).filled, 10u);
  EXPECT_EQ(limit(7, Side::Buy, 18400, 10).reject, RejectReason::None);  // the fill freed a node
}

TEST_F(OrderBookTest, SnapshotsListLevelsBestFirstWithAPerSymbolSequence) {
  for (int i = 0; i < 30; ++i) {
    limit(100 + static_cast<std::uint64_t>(i), Side::Buy, 18400 - i, 10 + static_cast<Quantity>(i), agent(1));
    limit(200 + static_cast<std::uint64_t>(i), Side::Sell, 18600 + i, 20, agent(2));
  }
  clear_events();
  book().publish_snapshot(20, now());
  book().publish_snapshot(5, now());
  commit();
  const auto snaps = frames<OrderBookSnapshot>();
  ASSERT_EQ(snaps.size(), 2u);
  EXPECT_EQ(snaps[0].sequence_number, 1u);
  EXPECT_EQ(snaps[1].sequence_number, 2u);
  EXPECT_EQ(snaps[0].bid_count, 20u);
  EXPECT_EQ(snaps[0].ask_count, 20u);
  EXPECT_EQ(snaps[0].header.length, snapshot_frame_length(20, 20));
  EXPECT_EQ(snaps[0].bids()[0].price, 18400);
  EXPECT_EQ(snaps[0].bids()[19].price, 18381);
  EXPECT_EQ(snaps[0].bids()[1].quantity, 11);
  EXPECT_EQ(snaps[0].asks()[0].price, 18600);
  EXPECT_EQ(snaps[0].asks()[19].price, 18619);
  EXPECT_EQ(snaps[1].bid_count, 5u);
}

TEST_F(OrderBookTest, MarketStatsCarryOpenHighLowLastVolumeCountAndNotional) {
  limit(1, Side::Sell, 18500, 100, agent(1));
  limit(2, Side::Sell, 18600, 100, agent(1));
  limit(3, Side::Sell, 18400, 100, agent(1));
  market(4, Side::Buy, 250, agent(2));  // 100 @ 184.00, 100 @ 185.00, 50 @ 186.00
  clear_events();
  book().publish_stats(now());
  commit();
  const auto stats = frames<MarketStats>();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].open, 18400);
  EXPECT_EQ(stats[0].high, 18600);
  EXPECT_EQ(stats[0].low, 18400);
  EXPECT_EQ(stats[0].last, 18600);
  EXPECT_EQ(stats[0].volume, 250);
  EXPECT_EQ(stats[0].trade_count, 3u);
  EXPECT_EQ(stats[0].notional_ticks, 18400 * 100 + 18500 * 100 + 18600 * 50);
}

TEST_F(OrderBookTest, OnTickPublishesSnapshotsAndStatsAtTheirIntervals) {
  ExchangeOptions options;
  options.snapshot_interval_ticks = 5;
  options.stats_interval_ticks = 10;
  rebuild(options);
  for (std::uint64_t tick = 1; tick <= 20; ++tick) exchange().on_tick(tick, now());
  const std::size_t books = exchange().symbol_count();
  EXPECT_EQ(frames<OrderBookSnapshot>().size(), 4 * books);
  EXPECT_EQ(frames<MarketStats>().size(), 2 * books);
  std::uint64_t last_sequence = 0;
  for (const auto& s : frames<OrderBookSnapshot>()) {
    if (s.header.symbol != kSym) continue;
    EXPECT_GT(s.sequence_number, last_sequence);
    last_sequence = s.sequence_number;
  }
}

TEST_F(OrderBookTest, CommittedFramesCarryConsecutiveSequenceNumbers) {
  limit(1, Side::Sell, 18510, 100, agent(1));
  market(2, Side::Buy, 50, agent(2));
  std::uint64_t expected = 1;
  sink().for_each([&](const FrameHeader& h) { EXPECT_EQ(h.sequence, expected++); });
  EXPECT_GT(expected, 4u);
}

// Many random operations against a simple reference: the book's levels always
// equal the sum of the resting orders, and best bid < best ask after each order.
TEST_F(OrderBookTest, RandomFlowKeepsTheBookConsistentAndUncrossed) {
  std::uint64_t state = 42;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::vector<std::uint64_t> live;
  for (std::uint64_t id = 1; id <= 20'000; ++id) {
    const std::uint64_t r = next();
    if (r % 4 == 0 && !live.empty()) {
      const std::size_t k = static_cast<std::size_t>(next() % live.size());
      exchange().cancel(kSym, OrderId{live[k]}, now());
      live[k] = live.back();
      live.pop_back();
      commit();
      continue;
    }
    const Side side = (r >> 8) % 2 == 0 ? Side::Buy : Side::Sell;
    const Ticks price = 18500 + static_cast<Ticks>((r >> 16) % 41) - 20;
    const auto qty = static_cast<Quantity>(1 + (r >> 32) % 500);
    const AgentId who = agent(static_cast<std::uint32_t>((r >> 40) % 50));
    const SubmitResult res = (r >> 48) % 10 == 0 ? market(id, side, qty, who) : limit(id, side, price, qty, who);
    if (res.resting > 0) live.push_back(id);
    if (book().level_count(Side::Buy) > 0 && book().level_count(Side::Sell) > 0) {
      ASSERT_LT(book().best_bid(), book().best_ask()) << "crossed after order " << id;
    }
  }
  for (Side side : {Side::Buy, Side::Sell}) {
    for (std::size_t i = 0; i < book().level_count(side); ++i) {
      const Level& level = book().level(side, i);
      Volume sum = 0;
      std::uint32_t n = 0;
      for (const Order* o = level.head; o != nullptr; o = o->next, ++n) sum += o->remaining;
      EXPECT_EQ(sum, level.volume);
      EXPECT_EQ(n, level.count);
      if (i > 0) {
        EXPECT_TRUE(side == Side::Buy ? level.price < book().level(side, i - 1).price
                                      : level.price > book().level(side, i - 1).price);
      }
    }
  }
  EXPECT_EQ(exchange().orders_in_use(), book().resting_orders());
}

}  // namespace
}  // namespace ringside::engine
