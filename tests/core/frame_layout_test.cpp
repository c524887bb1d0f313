#include <gtest/gtest.h>

#include <cstring>

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
  EXPECT_EQ(to_string(static_cast<EventType>(10)), "");
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

TEST_F(FrameCheck, ChecksUnalignedCopies) {
  alignas(8) std::byte storage[sizeof(OrderPlaced) + 8];
  const FrameHeader& f = events.make(EventType::OrderPlaced);
  std::memcpy(storage + 3, &f, f.length);
  EXPECT_EQ(check_frame(storage + 3, f.length, symbols.size()), FrameError::None);
}

}  // namespace
}  // namespace ringside
