// The five analytics records of core's contract: the JSON the encoder writes for
// hand-built records (derived numbers computed by hand), FlatBuffers round trips
// giving back the identical frame, and malformed messages refused.
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/test_symbols.hpp"
#include "processor_test_helpers.hpp"
#include "ringside/core/derived.hpp"
#include "ringside/core/flatbuffers_codec.hpp"
#include "ringside/core/frame_check.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/fb/events_generated.h"

namespace ringside::processors::test {
namespace {

class RecordsTest : public ::testing::Test {
 protected:
  std::string json(const FrameHeader& frame) {
    const Encoded e = json_.encode(frame);
    EXPECT_TRUE(e) << to_string(e.error);
    return std::string(e.bytes);
  }
  // Encodes to FlatBuffers, decodes, and expects the same bytes back.
  void round_trip(const FrameHeader& frame) {
    const Encoded e = flatbuffers_.encode(frame);
    ASSERT_TRUE(e) << to_string(e.error);
    const std::vector<std::uint8_t> message(e.bytes.begin(), e.bytes.end());
    FrameBuffer out;
    std::memset(out.bytes, 0x5A, sizeof out.bytes);
    ASSERT_EQ(decode_flatbuffer(message, out, symbols_.size()), FrameError::None) << to_string(frame.type);
    ASSERT_EQ(out.header().length, frame.length);
    EXPECT_EQ(std::memcmp(out.bytes, &frame, frame.length), 0) << to_string(frame.type);
    flatbuffers::Verifier verifier(message.data(), message.size());
    ASSERT_TRUE(fb::VerifyEventBuffer(verifier));
    const fb::Event* msg = fb::GetEvent(message.data());
    EXPECT_EQ(static_cast<int>(msg->body_type()), static_cast<int>(frame.type));
    const flatbuffers::String* ticker = msg->symbol();
    ASSERT_NE(ticker, nullptr);
    EXPECT_EQ(ticker->string_view(), symbols_[frame.symbol].ticker);
  }

  SymbolTable symbols_ = ringside::test::test_symbols();
  JsonEncoder json_{symbols_};
  FlatBuffersEncoder flatbuffers_{symbols_};
};

TradeAggregate aggregate() {
  TradeAggregate a{};
  init_header(a, SymbolId{1}, kBase + 300 * kSecond);  // BRK.B, ticks of 0.05
  a.header.sequence = 9;
  a.window_start_ns = kBase;
  a.window_end_ns = kBase + 300 * kSecond;
  a.computed_at_ns = kBase + 305 * kSecond + 999'999;
  a.total_volume = 300;
  a.total_value_ticks = 100 * 1617 + 200 * 1620;  // 80.85 and 81.00
  a.open = 1617;
  a.high = 1620;
  a.low = 1617;
  a.close = 1620;
  a.trade_count = 3;
  a.buy_count = 1;
  a.sell_count = 2;
  a.revision = 2;
  a.flags = kRecordInputGap;
  return a;
}

TEST_F(RecordsTest, TradeAggregate) {
  const TradeAggregate a = aggregate();
  // value 485700 ticks x 0.05 = 24285.00; vwap 24285 / 300 = 80.95; ratio 1 / 2.
  EXPECT_EQ(json(a.header),
            "{\"event_type\":\"TradeAggregate\",\"timestamp\":\"2026-01-05T14:35:00.000000Z\",\"seq\":9,\"data\":{"
            "\"symbol\":\"BRK.B\",\"window_start\":1767623400000,\"window_end\":1767623700000,\"window_size\":\"5m\","
            "\"total_volume\":300,\"total_value\":24285.00,\"vwap\":80.950000,\"trade_count\":3,\"buy_count\":1,"
            "\"sell_count\":2,\"buy_sell_ratio\":0.5000,\"high_price\":81.00,\"low_price\":80.85,"
            "\"open_price\":80.85,\"close_price\":81.00,\"computed_at\":1767623705000,\"revision\":2,"
            "\"input_gap\":true}}");
  round_trip(a.header);
}

TEST_F(RecordsTest, PriceAlert) {
  // The seed's example (seeds/003 2.3): 185.50 -> 181.20 is 2.32 % down.
  PriceAlert p{};
  init_header(p, SymbolId{0}, kBase + 300 * kSecond);
  p.baseline_price = 18550;
  p.current_price = 18120;
  p.window_start_ns = kBase;
  p.detected_at_ns = kBase + 300 * kSecond;
  p.kind = AlertKind::PriceMovement;
  p.direction = AlertDirection::Down;
  p.severity = AlertSeverity::Medium;
  EXPECT_EQ(json(p.header),
            "{\"event_type\":\"PriceAlert\",\"timestamp\":\"2026-01-05T14:35:00.000000Z\",\"seq\":0,\"data\":{"
            "\"alert_type\":\"PRICE_MOVEMENT\",\"symbol\":\"AAPL\",\"direction\":\"DOWN\",\"baseline_price\":185.50,"
            "\"current_price\":181.20,\"pct_change\":2.32,\"window_start_ms\":1767623400000,"
            "\"detected_at_ms\":1767623700000,\"severity\":\"MEDIUM\"}}");
  round_trip(p.header);
}

TEST_F(RecordsTest, OrderBookMetrics) {
  OrderBookMetrics m{};
  init_header(m, SymbolId{2}, kBase + 1);  // EURUSD, ticks of 0.0001
  m.best_bid = 10849;
  m.best_ask = 10852;
  m.bid_depth[0] = 3;
  m.bid_depth[1] = 3;
  m.bid_depth[2] = 3;
  m.ask_depth[0] = 0;
  m.ask_depth[1] = 7;
  m.ask_depth[2] = 9;
  m.snapshot_sequence = 123;
  m.bid_levels = 1;
  m.ask_levels = 20;
  // mid 1.08505; spread 0.0003 = 3 / 10850.5 x 10^4 = 2.7649 bps; imbalance 1, -0.4, -0.5.
  EXPECT_EQ(json(m.header),
            "{\"event_type\":\"OrderBookMetrics\",\"timestamp\":\"2026-01-05T14:30:00.000000Z\",\"seq\":0,\"data\":{"
            "\"symbol\":\"EURUSD\",\"timestamp_ms\":1767623400000,\"best_bid\":1.0849,\"best_ask\":1.0852,"
            "\"mid_price\":1.08505,\"spread\":0.0003,\"spread_bps\":2.76,\"bid_depth_5\":3,\"ask_depth_5\":0,"
            "\"imbalance_5\":1.0000,\"bid_depth_10\":3,\"ask_depth_10\":7,\"imbalance_10\":-0.4000,"
            "\"bid_depth_20\":3,\"ask_depth_20\":9,\"imbalance_20\":-0.5000,\"sequence_number\":123,"
            "\"bid_levels\":1,\"ask_levels\":20}}");
  round_trip(m.header);
}

TEST_F(RecordsTest, EnrichedTrade) {
  EnrichedTrade e{};
  init_header(e, SymbolId{1}, kBase + 123'456'789);
  e.trade_id = TradeId{42};
  e.buyer_order_id = OrderId{1};
  e.seller_order_id = OrderId{2};
  e.price = 1617;
  e.quantity = 100;
  e.buyer_agent = make_agent_id(AgentType::Retail, 42);
  e.seller_agent = make_agent_id(AgentType::MarketMaker, 3);
  e.aggressor_side = Side::Sell;
  e.reference_found = 1;
  e.enriched_at_ns = kBase + 200'000'000;
  ASSERT_TRUE(set_text(e.company_name, "Berkshire \"B\" \\ Hathaway \xc3\xa9"));
  ASSERT_TRUE(set_text(e.sector, "Financials"));
  ASSERT_TRUE(set_text(e.industry, "Insurance, diversified"));
  ASSERT_TRUE(set_text(e.market_cap_tier, "Mega"));
  ASSERT_TRUE(set_text(e.listed_exchange, "NYSE"));
  const std::string text = json(e.header);
  EXPECT_EQ(text,
            "{\"event_type\":\"EnrichedTrade\",\"timestamp\":\"2026-01-05T14:30:00.123456Z\",\"seq\":0,\"data\":{"
            "\"trade_id\":\"72696e67-0002-4000-8000-00000000002a\",\"symbol\":\"BRK.B\",\"price\":80.85,"
            "\"quantity\":100,\"buyer_order_id\":\"72696e67-0001-4000-8000-000000000001\","
            "\"seller_order_id\":\"72696e67-0001-4000-8000-000000000002\",\"buyer_agent_id\":\"retail-0042\","
            "\"seller_agent_id\":\"mm-003\",\"aggressor_side\":\"Sell\","
            "\"company_name\":\"Berkshire \\\"B\\\" \\\\ Hathaway \xc3\xa9\",\"sector\":\"Financials\","
            "\"industry\":\"Insurance, diversified\",\"market_cap_tier\":\"Mega\",\"listed_exchange\":\"NYSE\","
            "\"enriched_at_ms\":1767623400200}}");
  EXPECT_EQ(nlohmann::json::parse(text)["data"]["company_name"], "Berkshire \"B\" \\ Hathaway \xc3\xa9");
  round_trip(e.header);

  // A symbol without reference data.
  e.reference_found = 0;
  ASSERT_TRUE(set_text(e.company_name, "UNKNOWN"));
  ASSERT_TRUE(set_text(e.sector, "UNKNOWN"));
  ASSERT_TRUE(set_text(e.industry, "UNKNOWN"));
  ASSERT_TRUE(set_text(e.market_cap_tier, "UNKNOWN"));
  ASSERT_TRUE(set_text(e.listed_exchange, "UNKNOWN"));
  round_trip(e.header);
  EXPECT_NE(json(e.header).find("\"company_name\":\"UNKNOWN\",\"sector\":\"UNKNOWN\""), std::string::npos);
}

TEST_F(RecordsTest, OrderFlowImbalance) {
  OrderFlowImbalance r{};
  init_header(r, SymbolId{0}, kBase + 10 * kSecond);
  r.window_start_ns = kBase;
  r.window_end_ns = kBase + 10 * kSecond;
  r.bid_flow = 900;
  r.ask_flow = -300;
  r.ofi = 1200;
  r.update_count = 41;
  r.depth_sum = 41 * 2 * 500;  // mean depth 500: normalized 1200 / 500 = 2.4
  r.best_bid = 15024;
  r.best_ask = 15026;
  r.bid_size = 300;
  r.ask_size = 200;
  EXPECT_EQ(json(r.header),
            "{\"event_type\":\"OrderFlowImbalance\",\"timestamp\":\"2026-01-05T14:30:10.000000Z\",\"seq\":0,\"data\":{"
            "\"symbol\":\"AAPL\",\"window_start\":1767623400000,\"window_end\":1767623410000,\"window_size\":\"10s\","
            "\"ofi\":1200,\"bid_flow\":900,\"ask_flow\":-300,\"update_count\":41,\"ofi_normalized\":2.4000,"
            "\"best_bid\":150.24,\"best_ask\":150.26,\"bid_size\":300,\"ask_size\":200,\"input_gap\":false}}");
  round_trip(r.header);

  // 2 update_count ofi 10^4 beyond 128 bits: out of range, refused rather than
  // printed (tests/fuzz/regressions/frame_decode/ofi-normalized-overflow).
  r.ofi = INT64_MAX;
  r.update_count = UINT64_MAX;
  EXPECT_FALSE(ofi_normalized_numerator(r).has_value());
  EXPECT_EQ(check_frame(&r.header, r.header.length, symbols_.size()), FrameError::BadValue);
}

// A message whose texts do not fit the frame, or whose enum is beyond the
// schema's, is refused rather than cut or passed on.
TEST_F(RecordsTest, MalformedMessagesAreRefused) {
  const auto message = [](auto&& body_of, fb::EventBody tag) {
    flatbuffers::FlatBufferBuilder b;
    const auto body = body_of(b);
    const auto ticker = b.CreateString("AAPL");
    const fb::EventHeader header(1, kBase, 0, 0.01, 0, kSchemaVersion);
    fb::FinishEventBuffer(b, fb::CreateEvent(b, &header, ticker, tag, body));
    return std::vector<std::uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  };
  FrameBuffer out;
  const auto decode = [&](const std::vector<std::uint8_t>& m) { return decode_flatbuffer(m, out, 3); };

  const fb::EnrichedTradeFields trade(1, 2, 3, 18500, kBase, 100, 0, 0, fb::Side::Buy, true);
  const auto enriched = [&](const std::string& company) {
    return message(
        [&](flatbuffers::FlatBufferBuilder& b) {
          return fb::CreateEnrichedTradeDirect(b, &trade, company.c_str(), "Tech", "Software", "Mega", "NASDAQ").Union();
        },
        fb::EventBody::EnrichedTrade);
  };
  EXPECT_EQ(decode(enriched(std::string(kCompanyNameBytes - 1, 'x'))), FrameError::None);
  EXPECT_EQ(decode(enriched(std::string(kCompanyNameBytes, 'x'))), FrameError::BadText);
  EXPECT_EQ(decode(enriched("tab\there")), FrameError::BadText);

  const auto alert = message(
      [](flatbuffers::FlatBufferBuilder& b) {
        const fb::PriceAlertFields f(18550, 18120, kBase, kBase, fb::AlertKind::PriceMovement, fb::AlertDirection::Down,
                                     static_cast<fb::AlertSeverity>(4));
        return fb::CreatePriceAlert(b, &f).Union();
      },
      fb::EventBody::PriceAlert);
  EXPECT_EQ(decode(alert), FrameError::BadEnum);

  const auto window = message(
      [](flatbuffers::FlatBufferBuilder& b) {
        const fb::TradeAggregateFields f(kBase, kBase, kBase, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0);
        return fb::CreateTradeAggregate(b, &f).Union();
      },
      fb::EventBody::TradeAggregate);
  EXPECT_EQ(decode(window), FrameError::BadValue);  // a window that ends where it starts
}

}  // namespace
}  // namespace ringside::processors::test
