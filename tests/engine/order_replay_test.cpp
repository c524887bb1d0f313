// Order-entry frames applied to the Exchange: what `ringside-engine --orders`
// does with an order file, frame by frame, and the replay's clock and report.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "ringside/core/embedded_config.hpp"
#include "ringside/engine/order_replay.hpp"

namespace ringside::engine {
namespace {

constexpr SymbolId kSym{0};
constexpr AgentId kAlice = make_agent_id(AgentType::External, 1);
constexpr AgentId kBob = make_agent_id(AgentType::External, 2);

NewOrderRequest limit(std::uint64_t id, Side side, Ticks price, Quantity qty, AgentId agent,
                      TimeInForce tif = TimeInForce::GTC, std::int64_t time_ns = 0) {
  NewOrderRequest o{};
  init_order_entry_header(o, kSym, time_ns);
  o.client_order_id = id;
  o.price = price;
  o.quantity = qty;
  o.agent = agent;
  o.side = side;
  o.order_type = OrderType::Limit;
  o.time_in_force = tif;
  return o;
}

CancelOrderRequest cancel(std::uint64_t id, Quantity reduce_by, AgentId agent, std::int64_t time_ns = 0) {
  CancelOrderRequest c{};
  init_order_entry_header(c, kSym, time_ns);
  c.client_order_id = id;
  c.reduce_by = reduce_by;
  c.agent = agent;
  return c;
}

ExchangeOptions quiet_options() {
  ExchangeOptions o;
  o.max_orders = 1 << 12;
  o.max_levels_per_side = 1 << 8;
  o.snapshot_interval_ticks = 0;
  o.stats_interval_ticks = 0;
  return o;
}

class OrderReplayTest : public ::testing::Test {
 protected:
  OrderReplayTest() : symbols_(embedded_test_config().symbols), exchange_(symbols_, sink_, quiet_options()) {}

  template <class Frame>
  RejectReason apply(const Frame& frame, SubmitResult* result = nullptr) {
    return apply_order_frame(frame.header, exchange_, now_ += 1000, result);
  }

  template <class Frame>
  void add(const Frame& frame) {
    const auto* bytes = reinterpret_cast<const std::byte*>(&frame);
    file_.frames.insert(file_.frames.end(), bytes, bytes + sizeof frame);
    ++file_.count;
  }

  template <EventFrame Event>
  std::vector<Event> events() const {
    std::vector<Event> out;
    sink_.for_each([&](const FrameHeader& h) {
      if (h.type != Event::kType) return;
      Event e;
      std::memcpy(&e, &h, sizeof e);
      out.push_back(e);
    });
    return out;
  }

  SymbolTable symbols_;
  BufferSink sink_;
  Exchange exchange_;
  OrderFile file_{symbols_, {}, 0};
  std::int64_t now_ = 1'700'000'000'000'000'000;
};

TEST_F(OrderReplayTest, NewOrderRestsUnderTheExternalIdOfClientZeroAndCommits) {
  SubmitResult result;
  EXPECT_EQ(apply(limit(42, Side::Buy, 18500, 100, kAlice), &result), RejectReason::None);
  EXPECT_EQ(result.resting, 100u);
  const Order* order = exchange_.find_order(external_order_id(kOrderFileClient, 42));
  ASSERT_NE(order, nullptr);
  EXPECT_EQ(order->agent, kAlice);
  EXPECT_EQ(order->price, 18500);
  // Committed: the OrderPlaced is visible without another commit.
  const auto placed = events<OrderPlaced>();
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].order_id, external_order_id(kOrderFileClient, 42));
  EXPECT_EQ(placed[0].header.sequence, 1u);
}

TEST_F(OrderReplayTest, CancelWithoutReduceByCancelsAndWithReduceByReduces) {
  apply(limit(1, Side::Sell, 18510, 100, kAlice));
  EXPECT_EQ(apply(cancel(1, 30, kAlice)), RejectReason::None);
  ASSERT_NE(exchange_.find_order(external_order_id(0, 1)), nullptr);
  EXPECT_EQ(exchange_.find_order(external_order_id(0, 1))->remaining, 70u);
  EXPECT_EQ(exchange_.book(kSym).level(Side::Sell, 0).volume, 70);
  EXPECT_EQ(apply(cancel(1, 0, kAlice)), RejectReason::None);
  EXPECT_EQ(exchange_.find_order(external_order_id(0, 1)), nullptr);
  EXPECT_EQ(exchange_.book(kSym).level_count(Side::Sell), 0u);
  EXPECT_EQ(apply(cancel(1, 0, kAlice)), RejectReason::UnknownOrder);
  EXPECT_EQ(apply(cancel(7, 5, kAlice)), RejectReason::UnknownOrder);
}

TEST_F(OrderReplayTest, AnIocOrderTradesAgainstTheBookAndReportsTheFill) {
  apply(limit(1, Side::Sell, 18510, 100, kAlice));
  SubmitResult result;
  EXPECT_EQ(apply(limit(2, Side::Buy, 18510, 150, kBob, TimeInForce::IOC), &result), RejectReason::None);
  EXPECT_EQ(result.filled, 100u);
  EXPECT_EQ(result.cancelled, 50u);
  const auto trades = events<TradeExecuted>();
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].buyer_agent, kBob);
  EXPECT_EQ(trades[0].seller_agent, kAlice);
}

TEST_F(OrderReplayTest, MalformedFramesAreRefusedWithoutEvents) {
  NewOrderRequest bad_side = limit(1, Side::Buy, 18500, 10, kAlice);
  bad_side.side = static_cast<Side>(5);
  SubmitResult result;
  EXPECT_EQ(apply(bad_side, &result), RejectReason::BadRequest);
  EXPECT_EQ(result.reject, RejectReason::BadRequest);

  NewOrderRequest bad_type = limit(1, Side::Buy, 18500, 10, kAlice);
  bad_type.header.type = EventType::OrderPlaced;  // an event, not a request
  EXPECT_EQ(apply(bad_type), RejectReason::BadRequest);
  NewOrderRequest bad_length = limit(1, Side::Buy, 18500, 10, kAlice);
  bad_length.header.length = 48;
  EXPECT_EQ(apply(bad_length), RejectReason::BadRequest);

  EXPECT_EQ(apply(limit(0, Side::Buy, 18500, 10, kAlice)), RejectReason::BadOrderId);
  EXPECT_EQ(apply(limit(kMaxClientOrderId + 1, Side::Buy, 18500, 10, kAlice)), RejectReason::BadOrderId);
  EXPECT_EQ(apply(cancel(0, 0, kAlice)), RejectReason::BadOrderId);
  // The exchange's own checks.
  EXPECT_EQ(apply(limit(1, Side::Buy, 0, 10, kAlice)), RejectReason::BadPrice);
  EXPECT_EQ(apply(limit(1, Side::Buy, 18500, 0, kAlice)), RejectReason::BadQuantity);
  NewOrderRequest unknown_symbol = limit(1, Side::Buy, 18500, 10, kAlice);
  unknown_symbol.header.symbol = SymbolId{99};
  EXPECT_EQ(apply(unknown_symbol), RejectReason::UnknownSymbol);
  EXPECT_EQ(events<OrderPlaced>().size(), 0u);
}

TEST_F(OrderReplayTest, ReplayUsesFrameTimesOrNumbersFramesAndNeverGoesBack) {
  add(limit(1, Side::Buy, 18500, 10, kAlice));                                  // 0: start + 0
  add(limit(2, Side::Buy, 18490, 10, kAlice));                                  // 1: start + 1
  add(limit(3, Side::Buy, 18480, 10, kAlice, TimeInForce::GTC, 5'000'000'000)); // 2: its own time
  add(limit(4, Side::Buy, 18470, 10, kAlice));                                  // 3: start + 3 < previous: previous
  add(limit(5, Side::Buy, 18460, 10, kAlice, TimeInForce::GTC, 6'000'000'000)); // 4: its own time
  const ReplayReport report = replay_order_file(file_, exchange_, 1'000);
  const auto placed = events<OrderPlaced>();
  ASSERT_EQ(placed.size(), 5u);
  EXPECT_EQ(placed[0].header.event_time_ns, 1'000);
  EXPECT_EQ(placed[1].header.event_time_ns, 1'001);
  EXPECT_EQ(placed[2].header.event_time_ns, 5'000'000'000);
  EXPECT_EQ(placed[3].header.event_time_ns, 5'000'000'000);
  EXPECT_EQ(placed[4].header.event_time_ns, 6'000'000'000);
  EXPECT_EQ(report.first_event_ns, 1'000);
  EXPECT_EQ(report.last_event_ns, 6'000'000'000);
}

TEST_F(OrderReplayTest, ReplayReportCountsFramesByKindAndRejections) {
  add(limit(1, Side::Sell, 18510, 100, kAlice));
  add(limit(2, Side::Sell, 18520, 100, kAlice));
  add(cancel(1, 40, kAlice));                                         // reduce
  add(limit(3, Side::Buy, 18510, 100, kBob, TimeInForce::IOC));        // fills 60
  add(cancel(2, 0, kAlice));                                          // cancel
  add(cancel(2, 0, kAlice));                                          // UnknownOrder
  add(limit(4, Side::Buy, 18400, 0, kBob));                           // BadQuantity
  std::vector<std::uint64_t> progress_frames;
  const ReplayReport r =
      replay_order_file(file_, exchange_, 1, [&](const ReplayReport& p) { progress_frames.push_back(p.frames); }, 3);
  EXPECT_EQ(r.frames, 7u);
  EXPECT_EQ(r.orders, 4u);
  EXPECT_EQ(r.reduces, 1u);
  EXPECT_EQ(r.cancels, 2u);
  EXPECT_EQ(r.rejected, 2u);
  EXPECT_EQ(r.rejected_by_reason[static_cast<std::uint8_t>(RejectReason::UnknownOrder)], 1u);
  EXPECT_EQ(r.rejected_by_reason[static_cast<std::uint8_t>(RejectReason::BadQuantity)], 1u);
  EXPECT_EQ(r.filled_orders, 1u);
  EXPECT_EQ(r.filled_quantity, 60u);
  EXPECT_GE(r.seconds, 0.0);
  EXPECT_EQ(progress_frames, (std::vector<std::uint64_t>{3, 6, 7}));
}

TEST_F(OrderReplayTest, ReplayRefusesAFileForOtherSymbols) {
  std::vector<Instrument> other(symbols_.begin(), symbols_.end());
  std::swap(other[0], other[1]);
  OrderFile file{SymbolTable(std::move(other)), {}, 0};
  EXPECT_THROW(replay_order_file(file, exchange_, 0), std::invalid_argument);
  OrderFile fewer{SymbolTable({*symbols_.begin()}), {}, 0};
  EXPECT_THROW(replay_order_file(fewer, exchange_, 0), std::invalid_argument);
}

TEST_F(OrderReplayTest, ReplayRefusesAFrameWhoseLengthRunsPastTheBuffer) {
  add(limit(1, Side::Buy, 18500, 10, kAlice));
  file_.frames.resize(file_.frames.size() - 8);
  EXPECT_THROW(replay_order_file(file_, exchange_, 0), std::invalid_argument);
}

}  // namespace
}  // namespace ringside::engine
