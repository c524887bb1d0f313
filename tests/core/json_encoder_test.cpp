#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "ringside/core/events.hpp"
#include "ringside/core/iso_time.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/core/sample_events.hpp"
#include "ringside/core/uuid.hpp"
#include "test_symbols.hpp"

namespace ringside {
namespace {

using nlohmann::json;

constexpr std::int64_t kT0 = 1'771'425'000'123'456'789;  // 2026-02-18T14:30:00.123456789Z

std::string uuid_text(UuidKind kind, std::uint64_t id) {
  char out[kUuidLength];
  write_uuid(out, kind, id);
  return std::string(out, sizeof out);
}

std::string agent_text(AgentId id) {
  const AgentType type = agent_type_of(id);
  std::string digits = std::to_string(agent_index_of(id));
  const auto width = static_cast<std::size_t>(agent_id_digits(type));
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return std::string(agent_id_prefix(type)) + digits;
}

class JsonEncoderTest : public ::testing::Test {
 protected:
  SymbolTable symbols = test::test_symbols();
  JsonEncoder encoder{symbols};

  std::string encode(const FrameHeader& frame) {
    const Encoded e = encoder.encode(frame);
    EXPECT_TRUE(e) << to_string(e.error);
    return std::string(e.bytes);
  }
  // The price a JSON number must equal, from ticks and the symbol's scale.
  double price(SymbolId symbol, Ticks ticks) const {
    const PriceScale& s = symbols[symbol].scale;
    return static_cast<double>(static_cast<long double>(ticks) * s.tick_units / std::pow(10.0L, s.decimals));
  }
  void expect_price(const json& value, SymbolId symbol, Ticks ticks) const {
    ASSERT_TRUE(value.is_number()) << value;
    const double expected = price(symbol, ticks);
    EXPECT_NEAR(value.get<double>(), expected, std::abs(expected) * 1e-15 + 1e-12) << value;
  }
};

TEST_F(JsonEncoderTest, OrderPlacedMatchesTheSeedExactly) {
  OrderPlaced e{};
  init_header(e, SymbolId{0}, kT0);
  e.header.sequence = 17;
  e.order_id = OrderId{42};
  e.price = 18550;
  e.quantity = 100;
  e.agent = make_agent_id(AgentType::Retail, 42);
  e.side = Side::Buy;
  e.order_type = OrderType::Limit;
  EXPECT_EQ(encode(e.header),
            R"({"event_type":"OrderPlaced","timestamp":"2026-02-18T14:30:00.123456Z","seq":17,"data":{)"
            R"("order_id":"72696e67-0001-4000-8000-00000000002a","symbol":"AAPL","side":"Buy","order_type":"Limit",)"
            R"("price":185.50,"quantity":100,"agent_id":"retail-0042","agent_type":"Retail"}})");
}

TEST_F(JsonEncoderTest, SeqCanBeLeftOut) {
  JsonEncoder plain(symbols, JsonOptions{.include_seq = false});
  OrderCancelled e{};
  init_header(e, SymbolId{1}, 0);
  e.order_id = OrderId{1};
  e.price = 3;  // 3 ticks of 0.05
  e.remaining_quantity = 50;
  e.agent = make_agent_id(AgentType::MarketMaker, 3);
  e.reason = CancelReason::TradingHalt;
  EXPECT_EQ(std::string(plain.encode(e.header).bytes),
            R"({"event_type":"OrderCancelled","timestamp":"1970-01-01T00:00:00.000000Z","data":{)"
            R"("order_id":"72696e67-0001-4000-8000-000000000001","symbol":"BRK.B","side":"Buy","price":0.15,)"
            R"("remaining_quantity":50,"agent_id":"mm-003","reason":"TradingHalt"}})");
}

TEST_F(JsonEncoderTest, QuoteSpreadAndMidAreExact) {
  QuoteUpdate e{};
  init_header(e, SymbolId{0}, kT0);
  e.bid_price = 18548;
  e.bid_size = 500;
  e.ask_price = 18551;  // odd sum: the mid needs one more decimal
  e.ask_size = 300;
  EXPECT_EQ(json::parse(encode(e.header))["data"].dump(),
            R"({"ask_price":185.51,"ask_size":300,"bid_price":185.48,"bid_size":500,"mid_price":185.495,"spread":0.03,"symbol":"AAPL"})");
  const std::string text = encode(e.header);
  EXPECT_NE(text.find(R"("spread":0.03,"mid_price":185.495})"), std::string::npos) << text;

  e.ask_size = 0;  // one-sided book
  e.ask_price = 0;
  EXPECT_NE(encode(e.header).find(R"("ask_price":0.00,"ask_size":0,"spread":0.00,"mid_price":0.00})"),
            std::string::npos);
}

TEST_F(JsonEncoderTest, SnapshotHaltResumeStatsAndActionSpellings) {
  OrderBookSnapshot s{};
  s.bid_count = 2;
  s.ask_count = 1;
  init_header(s, SymbolId{2}, kT0, snapshot_frame_length(2, 1));
  s.sequence_number = 42000;
  s.levels[0] = {10849, 500};
  s.levels[1] = {10848, 1200};
  s.levels[2] = {10851, 300};
  EXPECT_NE(encode(s.header).find(
                R"("data":{"symbol":"EURUSD","bids":[{"price":1.0849,"quantity":500},{"price":1.0848,"quantity":1200}],)"
                R"("asks":[{"price":1.0851,"quantity":300}],"sequence_number":42000}})"),
            std::string::npos);

  TradingHalt h{};
  init_header(h, SymbolId{0}, kT0);
  h.level = 1;
  h.trigger_price = 17205;
  h.reference_price = 18500;
  h.decline_bps = 700;
  h.halt_duration_secs = 300;
  EXPECT_NE(encode(h.header).find(R"("data":{"symbol":"AAPL","reason":"CircuitBreaker","level":1,"trigger_price":172.05,)"
                                  R"("reference_price":185.00,"decline_pct":7.00,"halt_duration_secs":300}})"),
            std::string::npos);

  TradingResume r{};
  init_header(r, SymbolId{0}, kT0 + 300'000'000'000);
  r.halted_at_ns = kT0;
  r.halt_duration_secs = 300;
  r.level = 1;
  EXPECT_NE(encode(r.header).find(R"("data":{"symbol":"AAPL","halted_at":"2026-02-18T14:30:00.123456Z",)"
                                  R"("halt_duration_secs":300,"level":1}})"),
            std::string::npos);

  MarketStats m{};
  init_header(m, SymbolId{0}, kT0);
  m.open = 18500;
  m.high = 18620;
  m.low = 18450;
  m.last = 18550;
  m.volume = 3;
  m.trade_count = 2;
  m.notional_ticks = 18500 + 2 * 18551;  // vwap 185.34 = 55602 / 3 ticks = 18534 ticks
  EXPECT_NE(encode(m.header).find(R"("open":185.00,"high":186.20,"low":184.50,"last":185.50,"volume":3,)"
                                  R"("trade_count":2,"vwap":185.340000,"turnover":556.02})"),
            std::string::npos)
      << encode(m.header);
  m.notional_ticks = 18500 + 18551 + 18552;  // 55603 / 3 = 18534.333.. ticks: vwap rounds at 6 decimals
  EXPECT_NE(encode(m.header).find(R"("vwap":185.343333,)"), std::string::npos);

  AgentAction a{};
  a.agent = make_agent_id(AgentType::Institutional, 2);
  a.action = AgentActionKind::PlaceOrder;
  a.detail_count = 3;
  a.details[0] = {DetailKey::Side, {}, static_cast<std::int64_t>(Side::Buy)};
  a.details[1] = {DetailKey::OrderQuantity, {}, 5000};
  a.details[2] = {DetailKey::Strategy, {}, static_cast<std::int64_t>(Strategy::BlockAccumulation)};
  init_header(a, SymbolId{0}, kT0, agent_action_frame_length(3));
  EXPECT_NE(encode(a.header).find(R"("data":{"agent_id":"inst-002","agent_type":"Institutional","action":"PlaceOrder",)"
                                  R"("symbol":"AAPL","details":{"side":"Buy","quantity":5000,"strategy":"block_accumulation"}}})"),
            std::string::npos);
}

TEST_F(JsonEncoderTest, EscapesTickersFromTheSymbolTable) {
  std::vector<Instrument> v(1);
  v[0].ticker = "A\"B\\C";
  v[0].initial_price = 100;
  const SymbolTable odd(std::move(v));
  JsonEncoder enc(odd);
  QuoteUpdate q{};
  init_header(q, SymbolId{0}, 0);
  const json parsed = json::parse(enc.encode(q.header).bytes);
  EXPECT_EQ(parsed["data"]["symbol"], "A\"B\\C");
}

TEST_F(JsonEncoderTest, RefusesInvalidFramesWithAReason) {
  OrderPlaced e{};
  init_header(e, SymbolId{9}, 0);
  EXPECT_EQ(encoder.encode(e.header).error, FrameError::UnknownSymbol);
  e.header.symbol = SymbolId{0};
  e.side = static_cast<Side>(7);
  EXPECT_EQ(encoder.encode(e.header).error, FrameError::BadEnum);
  EXPECT_EQ(encoder.encode(&e, 16).error, FrameError::Truncated);
}

TEST_F(JsonEncoderTest, EncodesUnalignedFrames) {
  OrderPlaced e{};
  init_header(e, SymbolId{0}, kT0);
  const std::string aligned = encode(e.header);
  alignas(8) std::byte storage[sizeof e + 8];
  std::memcpy(storage + 1, &e, sizeof e);
  EXPECT_EQ(std::string(encoder.encode(storage + 1, sizeof e).bytes), aligned);
}

// Every type, randomised contents including extremes: parse the output with a real
// JSON parser and compare each field with the binary frame.
TEST_F(JsonEncoderTest, EveryFieldMatchesTheBinaryForRandomFrames) {
  SampleEvents events(symbols, 2026, kT0);
  for (int round = 0; round < 2; ++round) {
    events.set_extremes(round == 1);
    for (EventType type : kAllEventTypes) {
      for (int i = 0; i < 500; ++i) {
        const FrameHeader& h = events.make(type);
        const std::string text = encode(h);
        const json j = json::parse(text);
        SCOPED_TRACE(text);
        ASSERT_EQ(j.size(), 4u);  // event_type, timestamp, seq, data: nothing else
        EXPECT_EQ(j["event_type"], to_string(type));
        char ts[kIsoTimestampLength];
        write_iso_timestamp(ts, h.event_time_ns);
        EXPECT_EQ(j["timestamp"], std::string(ts, sizeof ts));
        EXPECT_EQ(j["seq"].get<std::uint64_t>(), h.sequence);
        const json& d = j["data"];
        const SymbolId sym = h.symbol;
        const std::string ticker = symbols[sym].ticker;
        switch (type) {
          case EventType::OrderPlaced: {
            const auto& e = *reinterpret_cast<const OrderPlaced*>(&h);
            ASSERT_EQ(d.size(), 8u);
            EXPECT_EQ(d["order_id"], uuid_text(UuidKind::Order, raw(e.order_id)));
            EXPECT_EQ(d["symbol"], ticker);
            EXPECT_EQ(d["side"], to_string(e.side));
            EXPECT_EQ(d["order_type"], to_string(e.order_type));
            expect_price(d["price"], sym, e.price);
            EXPECT_EQ(d["quantity"].get<std::uint64_t>(), e.quantity);
            EXPECT_EQ(d["agent_id"], agent_text(e.agent));
            EXPECT_EQ(d["agent_type"], to_string(agent_type_of(e.agent)));
            break;
          }
          case EventType::TradeExecuted: {
            const auto& e = *reinterpret_cast<const TradeExecuted*>(&h);
            ASSERT_EQ(d.size(), 9u);
            EXPECT_EQ(d["trade_id"], uuid_text(UuidKind::Trade, raw(e.trade_id)));
            EXPECT_EQ(d["symbol"], ticker);
            expect_price(d["price"], sym, e.price);
            EXPECT_EQ(d["quantity"].get<std::uint64_t>(), e.quantity);
            EXPECT_EQ(d["buyer_order_id"], uuid_text(UuidKind::Order, raw(e.buyer_order_id)));
            EXPECT_EQ(d["seller_order_id"], uuid_text(UuidKind::Order, raw(e.seller_order_id)));
            EXPECT_EQ(d["buyer_agent_id"], agent_text(e.buyer_agent));
            EXPECT_EQ(d["seller_agent_id"], agent_text(e.seller_agent));
            EXPECT_EQ(d["aggressor_side"], to_string(e.aggressor_side));
            break;
          }
          case EventType::QuoteUpdate: {
            const auto& e = *reinterpret_cast<const QuoteUpdate*>(&h);
            ASSERT_EQ(d.size(), 7u);
            EXPECT_EQ(d["symbol"], ticker);
            expect_price(d["bid_price"], sym, e.bid_price);
            expect_price(d["ask_price"], sym, e.ask_price);
            EXPECT_EQ(d["bid_size"].get<std::int64_t>(), e.bid_size);
            EXPECT_EQ(d["ask_size"].get<std::int64_t>(), e.ask_size);
            const bool two_sided = e.bid_size > 0 && e.ask_size > 0;
            EXPECT_NEAR(d["spread"].get<double>(), two_sided ? price(sym, e.ask_price - e.bid_price) : 0.0, 1e-9);
            const double mid = two_sided ? (price(sym, e.bid_price) + price(sym, e.ask_price)) / 2 : 0.0;
            EXPECT_NEAR(d["mid_price"].get<double>(), mid, std::abs(mid) * 1e-15 + 1e-9);
            break;
          }
          case EventType::OrderBookSnapshot: {
            const auto& e = *reinterpret_cast<const OrderBookSnapshot*>(&h);
            ASSERT_EQ(d.size(), 4u);
            EXPECT_EQ(d["symbol"], ticker);
            EXPECT_EQ(d["sequence_number"].get<std::uint64_t>(), e.sequence_number);
            ASSERT_EQ(d["bids"].size(), e.bid_count);
            ASSERT_EQ(d["asks"].size(), e.ask_count);
            for (std::size_t k = 0; k < e.bid_count; ++k) {
              expect_price(d["bids"][k]["price"], sym, e.bids()[k].price);
              EXPECT_EQ(d["bids"][k]["quantity"].get<std::int64_t>(), e.bids()[k].quantity);
            }
            for (std::size_t k = 0; k < e.ask_count; ++k) {
              expect_price(d["asks"][k]["price"], sym, e.asks()[k].price);
              EXPECT_EQ(d["asks"][k]["quantity"].get<std::int64_t>(), e.asks()[k].quantity);
            }
            break;
          }
          case EventType::TradingHalt: {
            const auto& e = *reinterpret_cast<const TradingHalt*>(&h);
            ASSERT_EQ(d.size(), 7u);
            EXPECT_EQ(d["reason"], "CircuitBreaker");
            EXPECT_EQ(d["level"].get<int>(), e.level);
            expect_price(d["trigger_price"], sym, e.trigger_price);
            expect_price(d["reference_price"], sym, e.reference_price);
            EXPECT_NEAR(d["decline_pct"].get<double>(), e.decline_bps / 100.0, 1e-9);
            EXPECT_EQ(d["halt_duration_secs"].get<int>(), e.halt_duration_secs);
            break;
          }
          case EventType::TradingResume: {
            const auto& e = *reinterpret_cast<const TradingResume*>(&h);
            ASSERT_EQ(d.size(), 4u);
            EXPECT_EQ(parse_iso_timestamp(d["halted_at"].get<std::string>()), e.halted_at_ns - e.halted_at_ns % 1000);
            EXPECT_EQ(d["halt_duration_secs"].get<int>(), e.halt_duration_secs);
            EXPECT_EQ(d["level"].get<int>(), e.level);
            break;
          }
          case EventType::AgentAction: {
            const auto& e = *reinterpret_cast<const AgentAction*>(&h);
            ASSERT_EQ(d.size(), 5u);
            EXPECT_EQ(d["agent_id"], agent_text(e.agent));
            EXPECT_EQ(d["agent_type"], to_string(agent_type_of(e.agent)));
            EXPECT_EQ(d["action"], to_string(e.action));
            EXPECT_EQ(d["symbol"], ticker);
            ASSERT_EQ(d["details"].size(), e.detail_count);
            for (std::size_t k = 0; k < e.detail_count; ++k) {
              const AgentDetail& detail = e.details[k];
              const json& v = d["details"][std::string(to_string(detail.key))];
              switch (value_kind_of(detail.key)) {
                case DetailValueKind::Side: EXPECT_EQ(v, to_string(static_cast<Side>(detail.value))); break;
                case DetailValueKind::OrderType: EXPECT_EQ(v, to_string(static_cast<OrderType>(detail.value))); break;
                case DetailValueKind::Strategy: EXPECT_EQ(v, to_string(static_cast<Strategy>(detail.value))); break;
                case DetailValueKind::Price: expect_price(v, sym, detail.value); break;
                case DetailValueKind::OrderId:
                  EXPECT_EQ(v, uuid_text(UuidKind::Order, static_cast<std::uint64_t>(detail.value)));
                  break;
                case DetailValueKind::Integer: EXPECT_EQ(v.get<std::int64_t>(), detail.value); break;
              }
            }
            break;
          }
          case EventType::MarketStats: {
            const auto& e = *reinterpret_cast<const MarketStats*>(&h);
            ASSERT_EQ(d.size(), 9u);
            expect_price(d["open"], sym, e.open);
            expect_price(d["high"], sym, e.high);
            expect_price(d["low"], sym, e.low);
            expect_price(d["last"], sym, e.last);
            EXPECT_EQ(d["volume"].get<std::int64_t>(), e.volume);
            EXPECT_EQ(d["trade_count"].get<std::uint32_t>(), e.trade_count);
            const double turnover = price(sym, e.notional_ticks);
            EXPECT_NEAR(d["turnover"].get<double>(), turnover, std::abs(turnover) * 1e-15 + 1e-9);
            const double vwap = e.volume == 0 ? 0.0 : turnover / static_cast<double>(e.volume);
            EXPECT_NEAR(d["vwap"].get<double>(), vwap, std::abs(vwap) * 1e-9 + 1e-4);
            break;
          }
          case EventType::OrderCancelled: {
            const auto& e = *reinterpret_cast<const OrderCancelled*>(&h);
            ASSERT_EQ(d.size(), 7u);
            EXPECT_EQ(d["order_id"], uuid_text(UuidKind::Order, raw(e.order_id)));
            EXPECT_EQ(d["side"], to_string(e.side));
            expect_price(d["price"], sym, e.price);
            EXPECT_EQ(d["remaining_quantity"].get<std::uint64_t>(), e.remaining_quantity);
            EXPECT_EQ(d["agent_id"], agent_text(e.agent));
            EXPECT_EQ(d["reason"], to_string(e.reason));
            break;
          }
          case EventType::TradeAggregate: {
            const auto& e = *reinterpret_cast<const TradeAggregate*>(&h);
            ASSERT_EQ(d.size(), 18u);
            EXPECT_EQ(d["symbol"], ticker);
            EXPECT_EQ(d["window_start"].get<std::int64_t>(), e.window_start_ns / 1'000'000);
            EXPECT_EQ(d["window_end"].get<std::int64_t>(), e.window_end_ns / 1'000'000);
            const std::int64_t minutes = (e.window_end_ns - e.window_start_ns) / 60'000'000'000;
            EXPECT_EQ(d["window_size"], std::to_string(minutes) + "m");
            EXPECT_EQ(d["total_volume"].get<std::int64_t>(), e.total_volume);
            const double value = price(sym, e.total_value_ticks);
            EXPECT_NEAR(d["total_value"].get<double>(), value, std::abs(value) * 1e-15 + 1e-9);
            const double vwap = e.total_volume == 0 ? 0.0 : value / static_cast<double>(e.total_volume);
            EXPECT_NEAR(d["vwap"].get<double>(), vwap, std::abs(vwap) * 1e-9 + 1e-4);
            EXPECT_EQ(d["trade_count"].get<std::uint64_t>(), e.trade_count);
            EXPECT_EQ(d["buy_count"].get<std::uint64_t>(), e.buy_count);
            EXPECT_EQ(d["sell_count"].get<std::uint64_t>(), e.sell_count);
            if (e.sell_count == 0) {
              EXPECT_TRUE(d["buy_sell_ratio"].is_null());
            } else {
              const double ratio = static_cast<double>(e.buy_count) / static_cast<double>(e.sell_count);
              EXPECT_NEAR(d["buy_sell_ratio"].get<double>(), ratio, ratio * 1e-12 + 0.00005);
            }
            expect_price(d["high_price"], sym, e.high);
            expect_price(d["low_price"], sym, e.low);
            expect_price(d["open_price"], sym, e.open);
            expect_price(d["close_price"], sym, e.close);
            EXPECT_EQ(d["computed_at"].get<std::int64_t>(), e.computed_at_ns / 1'000'000);
            EXPECT_EQ(d["revision"].get<int>(), e.revision);
            EXPECT_EQ(d["input_gap"].get<bool>(), (e.flags & kRecordInputGap) != 0);
            break;
          }
          case EventType::PriceAlert: {
            const auto& e = *reinterpret_cast<const PriceAlert*>(&h);
            ASSERT_EQ(d.size(), 9u);
            EXPECT_EQ(d["alert_type"], "PRICE_MOVEMENT");
            EXPECT_EQ(d["symbol"], ticker);
            EXPECT_EQ(d["direction"], e.direction == AlertDirection::Up ? "UP" : "DOWN");
            expect_price(d["baseline_price"], sym, e.baseline_price);
            expect_price(d["current_price"], sym, e.current_price);
            const double pct = std::abs(static_cast<double>(e.current_price - e.baseline_price)) /
                               static_cast<double>(e.baseline_price) * 100;
            EXPECT_NEAR(d["pct_change"].get<double>(), pct, 0.005 + 1e-9);
            EXPECT_EQ(d["window_start_ms"].get<std::int64_t>(), e.window_start_ns / 1'000'000);
            EXPECT_EQ(d["detected_at_ms"].get<std::int64_t>(), e.detected_at_ns / 1'000'000);
            EXPECT_EQ(d["severity"], to_string(e.severity));
            break;
          }
          case EventType::OrderBookMetrics: {
            const auto& e = *reinterpret_cast<const OrderBookMetrics*>(&h);
            ASSERT_EQ(d.size(), 19u);
            EXPECT_EQ(d["symbol"], ticker);
            EXPECT_EQ(d["timestamp_ms"].get<std::int64_t>(), h.event_time_ns / 1'000'000);
            expect_price(d["best_bid"], sym, e.best_bid);
            expect_price(d["best_ask"], sym, e.best_ask);
            const bool two_sided = e.best_bid > 0 && e.best_ask > 0;
            const double bid = price(sym, e.best_bid);
            const double ask = price(sym, e.best_ask);
            EXPECT_NEAR(d["mid_price"].get<double>(), two_sided ? (bid + ask) / 2 : 0.0, 1e-9);
            EXPECT_NEAR(d["spread"].get<double>(), two_sided ? ask - bid : 0.0, 1e-9);
            EXPECT_NEAR(d["spread_bps"].get<double>(), two_sided ? (ask - bid) / ((bid + ask) / 2) * 10'000 : 0.0,
                        0.005 + 1e-9);
            const char* const levels[] = {"5", "10", "20"};
            for (std::size_t k = 0; k < kBookMetricDepths; ++k) {
              const std::string n = levels[k];
              EXPECT_EQ(d["bid_depth_" + n].get<std::int64_t>(), e.bid_depth[k]);
              EXPECT_EQ(d["ask_depth_" + n].get<std::int64_t>(), e.ask_depth[k]);
              const auto bids = static_cast<double>(e.bid_depth[k]);
              const auto asks = static_cast<double>(e.ask_depth[k]);
              const double imbalance = bids + asks == 0 ? 0.0 : (bids - asks) / (bids + asks);
              EXPECT_NEAR(d["imbalance_" + n].get<double>(), imbalance, 0.00005 + 1e-12);
            }
            EXPECT_EQ(d["sequence_number"].get<std::uint64_t>(), e.snapshot_sequence);
            EXPECT_EQ(d["bid_levels"].get<int>(), e.bid_levels);
            EXPECT_EQ(d["ask_levels"].get<int>(), e.ask_levels);
            break;
          }
          case EventType::EnrichedTrade: {
            const auto& e = *reinterpret_cast<const EnrichedTrade*>(&h);
            ASSERT_EQ(d.size(), 15u);
            EXPECT_EQ(d["trade_id"], uuid_text(UuidKind::Trade, raw(e.trade_id)));
            EXPECT_EQ(d["symbol"], ticker);
            expect_price(d["price"], sym, e.price);
            EXPECT_EQ(d["quantity"].get<std::uint64_t>(), e.quantity);
            EXPECT_EQ(d["buyer_order_id"], uuid_text(UuidKind::Order, raw(e.buyer_order_id)));
            EXPECT_EQ(d["seller_order_id"], uuid_text(UuidKind::Order, raw(e.seller_order_id)));
            EXPECT_EQ(d["buyer_agent_id"], agent_text(e.buyer_agent));
            EXPECT_EQ(d["seller_agent_id"], agent_text(e.seller_agent));
            EXPECT_EQ(d["aggressor_side"], to_string(e.aggressor_side));
            EXPECT_EQ(d["company_name"], std::string(text_of(e.company_name)));
            EXPECT_EQ(d["sector"], std::string(text_of(e.sector)));
            EXPECT_EQ(d["industry"], std::string(text_of(e.industry)));
            EXPECT_EQ(d["market_cap_tier"], std::string(text_of(e.market_cap_tier)));
            EXPECT_EQ(d["listed_exchange"], std::string(text_of(e.listed_exchange)));
            EXPECT_EQ(d["enriched_at_ms"].get<std::int64_t>(), e.enriched_at_ns / 1'000'000);
            break;
          }
          case EventType::OrderFlowImbalance: {
            const auto& e = *reinterpret_cast<const OrderFlowImbalance*>(&h);
            ASSERT_EQ(d.size(), 14u);
            EXPECT_EQ(d["symbol"], ticker);
            EXPECT_EQ(d["window_start"].get<std::int64_t>(), e.window_start_ns / 1'000'000);
            EXPECT_EQ(d["window_end"].get<std::int64_t>(), e.window_end_ns / 1'000'000);
            EXPECT_EQ(d["ofi"].get<std::int64_t>(), e.ofi);
            EXPECT_EQ(d["bid_flow"].get<std::int64_t>(), e.bid_flow);
            EXPECT_EQ(d["ask_flow"].get<std::int64_t>(), e.ask_flow);
            EXPECT_EQ(d["update_count"].get<std::uint64_t>(), e.update_count);
            const double depth = e.update_count == 0 ? 0.0
                                                      : static_cast<double>(e.depth_sum) /
                                                            (2.0 * static_cast<double>(e.update_count));
            const double normalized = depth <= 0 ? 0.0 : static_cast<double>(e.ofi) / depth;
            EXPECT_NEAR(d["ofi_normalized"].get<double>(), normalized, std::abs(normalized) * 1e-12 + 0.00005);
            expect_price(d["best_bid"], sym, e.best_bid);
            expect_price(d["best_ask"], sym, e.best_ask);
            EXPECT_EQ(d["bid_size"].get<std::int64_t>(), e.bid_size);
            EXPECT_EQ(d["ask_size"].get<std::int64_t>(), e.ask_size);
            EXPECT_EQ(d["input_gap"].get<bool>(), (e.flags & kRecordInputGap) != 0);
            break;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace ringside
