#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <string_view>

#include "ringside/core/events.hpp"
#include "ringside/core/frame_check.hpp"
#include "ringside/core/sample_events.hpp"
#include "test_symbols.hpp"

namespace ringside {
namespace {

TEST(FrameLayout, EveryFrameIsAlignedAndBounded) {
  EXPECT_EQ(sizeof(FrameHeader), 32u);
  EXPECT_EQ(kMaxFrameLength, sizeof(OrderBookSnapshot));
  EXPECT_EQ(snapshot_frame_length(20, 20), 48u + 40u * 16u);
  EXPECT_EQ(agent_action_frame_length(3), 40u + 3u * 16u);
  for (std::size_t n = 0; n <= kMaxBookDepth; ++n) EXPECT_EQ(snapshot_frame_length(n, 1) % kFrameAlignment, 0u);
}

TEST(FrameLayout, EventTypeNamesRoundTrip) {
  for (EventType type : kAllEventTypes) {
    EventType parsed{};
    ASSERT_TRUE(parse_event_type(to_string(type), parsed)) << static_cast<int>(type);
    EXPECT_EQ(parsed, type);
  }
  EventType parsed{};
  EXPECT_FALSE(parse_event_type("Trade", parsed));
  EXPECT_EQ(to_string(static_cast<EventType>(0)), "");
  EXPECT_EQ(to_string(static_cast<EventType>(kMaxEventType + 1)), "");
}

TEST(FrameLayout, AgentIdsCarryTheirType) {
  const AgentId id = make_agent_id(AgentType::MarketMaker, 3);
  EXPECT_EQ(agent_type_of(id), AgentType::MarketMaker);
  EXPECT_EQ(agent_index_of(id), 3u);
  EXPECT_EQ(agent_index_of(make_agent_id(AgentType::External, kMaxAgentIndex)), kMaxAgentIndex);
}

class FrameCheck : public ::testing::Test {
 protected:
  SymbolTable symbols = test::test_symbols();
  SampleEvents events{symbols, 7, 1'700'000'000'000'000'000};
};

TEST_F(FrameCheck, AcceptsEverySampleFrame) {
  events.set_extremes(true);
  for (EventType type : kAllEventTypes) {
    for (int i = 0; i < 200; ++i) {
      const FrameHeader& f = events.make(type);
      ASSERT_EQ(check_frame(&f, f.length, symbols.size()), FrameError::None) << to_string(type);
    }
  }
}

TEST_F(FrameCheck, RejectsMalformedFrames) {
  FrameBuffer b;
  std::memcpy(b.bytes, &events.make(EventType::OrderPlaced), sizeof(OrderPlaced));
  const auto check = [&](std::size_t size = sizeof(OrderPlaced)) { return check_frame(b.bytes, size, symbols.size()); };
  EXPECT_EQ(check(), FrameError::None);
  EXPECT_EQ(check(10), FrameError::Truncated);
  EXPECT_EQ(check(sizeof(OrderPlaced) - 8), FrameError::Truncated);

  auto& e = b.as<OrderPlaced>();
  e.header.length = 60;
  EXPECT_EQ(check(), FrameError::BadLength);
  e.header.length = 72;
  EXPECT_EQ(check(72), FrameError::BadLength);
  e.header.length = sizeof(OrderPlaced);
  e.header.type = static_cast<EventType>(0);
  EXPECT_EQ(check(), FrameError::UnknownType);
  e.header.type = static_cast<EventType>(42);
  EXPECT_EQ(check(), FrameError::UnknownType);
  e.header.type = EventType::OrderPlaced;
  e.header.schema_version = 2;
  EXPECT_EQ(check(), FrameError::UnsupportedVersion);
  e.header.schema_version = kSchemaVersion;
  e.header.symbol = SymbolId{3};
  EXPECT_EQ(check(), FrameError::UnknownSymbol);
  e.header.symbol = SymbolId{0};
  e.side = static_cast<Side>(2);
  EXPECT_EQ(check(), FrameError::BadEnum);
  e.side = Side::Sell;
  e.agent = AgentId{0x0900'0001};
  EXPECT_EQ(check(), FrameError::BadEnum);
}

TEST_F(FrameCheck, BoundsVariableLengthFrames) {
  FrameBuffer b;
  const FrameHeader& snap = events.make(EventType::OrderBookSnapshot);
  std::memcpy(b.bytes, &snap, snap.length);
  auto& s = b.as<OrderBookSnapshot>();
  s.bid_count = static_cast<std::uint16_t>(kMaxBookDepth + 1);
  EXPECT_EQ(check_frame(b.bytes, sizeof b.bytes, symbols.size()), FrameError::TooManyLevels);
  s.bid_count = 1;
  s.ask_count = 0;
  s.header.length = snapshot_frame_length(1, 1);  // says more than the counts
  EXPECT_EQ(check_frame(b.bytes, sizeof b.bytes, symbols.size()), FrameError::BadLength);

  const FrameHeader& act = events.make(EventType::AgentAction);
  std::memcpy(b.bytes, &act, act.length);
  auto& a = b.as<AgentAction>();
  a.detail_count = kMaxAgentDetails + 1;
  EXPECT_EQ(check_frame(b.bytes, sizeof b.bytes, symbols.size()), FrameError::TooManyDetails);
  a.detail_count = 1;
  a.header.length = agent_action_frame_length(1);
  a.details[0] = {DetailKey::Side, {}, 5};
  EXPECT_EQ(check_frame(b.bytes, sizeof b.bytes, symbols.size()), FrameError::BadEnum);
}

// The analytics records' own rules: windows that end after they start, known
// flags and enums, bounded level counts, and texts that JSON and FlatBuffers can
// carry as they are.
TEST_F(FrameCheck, ChecksAnalyticsRecords) {
  FrameBuffer b;
  const auto check = [&] { return check_frame(b.bytes, b.header().length, symbols.size()); };
  const auto load = [&](EventType type) {
    const FrameHeader& f = events.make(type);
    std::memcpy(b.bytes, &f, f.length);
    ASSERT_EQ(check(), FrameError::None) << to_string(type);
  };

  load(EventType::TradeAggregate);
  auto& a = b.as<TradeAggregate>();
  a.window_end_ns = a.window_start_ns;
  EXPECT_EQ(check(), FrameError::BadValue);
  a.window_end_ns = a.window_start_ns + 60'000'000'000;
  a.flags = 2;
  EXPECT_EQ(check(), FrameError::BadValue);
  a.flags = kRecordInputGap;
  EXPECT_EQ(check(), FrameError::None);
  a.header.length = sizeof(TradeAggregate) + 8;
  EXPECT_EQ(check(), FrameError::BadLength);

  load(EventType::PriceAlert);
  auto& p = b.as<PriceAlert>();
  p.severity = static_cast<AlertSeverity>(kMaxAlertSeverity + 1);
  EXPECT_EQ(check(), FrameError::BadEnum);
  p.severity = AlertSeverity::Critical;
  p.direction = static_cast<AlertDirection>(2);
  EXPECT_EQ(check(), FrameError::BadEnum);

  load(EventType::OrderBookMetrics);
  b.as<OrderBookMetrics>().ask_levels = static_cast<std::uint16_t>(kMaxBookDepth + 1);
  EXPECT_EQ(check(), FrameError::TooManyLevels);

  load(EventType::OrderFlowImbalance);
  b.as<OrderFlowImbalance>().window_start_ns = b.as<OrderFlowImbalance>().window_end_ns + 1;
  EXPECT_EQ(check(), FrameError::BadValue);

  load(EventType::EnrichedTrade);
  auto& e = b.as<EnrichedTrade>();
  ASSERT_TRUE(set_text(e.company_name, "Soci\xc3\xa9t\xc3\xa9 \"G\" \\ \xf0\x9f\x93\x88"));
  EXPECT_EQ(check(), FrameError::None);
  EXPECT_FALSE(set_text(e.sector, std::string(kSectorBytes, 'x')));  // no room for the NUL: refused, left empty
  EXPECT_EQ(text_of(e.sector), "");
  ASSERT_TRUE(set_text(e.sector, std::string(kSectorBytes - 1, 'x')));
  EXPECT_EQ(check(), FrameError::None);
  e.sector[kSectorBytes - 1] = 'x';  // not NUL-terminated
  EXPECT_EQ(check(), FrameError::BadText);
  ASSERT_TRUE(set_text(e.sector, "Tech"));
  e.sector[6] = 'y';  // a byte after the terminating NUL
  EXPECT_EQ(check(), FrameError::BadText);
  for (const std::string_view bad : {std::string_view("line\nbreak"), std::string_view("\xc3"),
                                     std::string_view("\xc0\xaf"), std::string_view("\xed\xa0\x80"),
                                     std::string_view("\xf4\x90\x80\x80"), std::string_view("del\x7f")}) {
    ASSERT_TRUE(set_text(e.industry, bad));
    EXPECT_EQ(check(), FrameError::BadText) << bad;
  }
  ASSERT_TRUE(set_text(e.industry, "Software"));
  e.reference_found = 2;
  EXPECT_EQ(check(), FrameError::BadValue);
  e.reference_found = 1;
  e.aggressor_side = static_cast<Side>(2);
  EXPECT_EQ(check(), FrameError::BadEnum);
}

TEST_F(FrameCheck, ChecksUnalignedCopies) {
  alignas(8) std::byte storage[sizeof(OrderPlaced) + 8];
  const FrameHeader& f = events.make(EventType::OrderPlaced);
  std::memcpy(storage + 3, &f, f.length);
  EXPECT_EQ(check_frame(storage + 3, f.length, symbols.size()), FrameError::None);
}

}  // namespace
}  // namespace ringside
