// The common frame header that starts every event in a ring, a capture file or memory.
//
// Frames are fixed-layout and trivially copyable: a reader may memcpy one out of a
// ring and use it directly. Every frame's length is a multiple of kFrameAlignment
// so the next frame in a ring starts aligned without padding logic in readers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ringside/core/ids.hpp"

namespace ringside {

// Zero is not a type, so a zero-filled region never reads as an event.
// 1..9 are the market events the engine writes (seeds/000 section 2.2); 10..14
// are the analytics records processors derive from them (issue 8, seeds/003
// section 2). Values are append-only.
enum class EventType : std::uint8_t {
  OrderPlaced = 1,
  TradeExecuted = 2,
  QuoteUpdate = 3,
  OrderBookSnapshot = 4,
  TradingHalt = 5,
  TradingResume = 6,
  AgentAction = 7,
  MarketStats = 8,
  OrderCancelled = 9,
  TradeAggregate = 10,
  PriceAlert = 11,
  OrderBookMetrics = 12,
  EnrichedTrade = 13,
  OrderFlowImbalance = 14,
};
inline constexpr std::uint8_t kMinEventType = 1;
inline constexpr std::uint8_t kMaxEventType = 14;
inline constexpr std::size_t kEventTypeCount = 14;

inline constexpr EventType kAllEventTypes[kEventTypeCount] = {
    EventType::OrderPlaced,   EventType::TradeExecuted,   EventType::QuoteUpdate,
    EventType::OrderBookSnapshot, EventType::TradingHalt, EventType::TradingResume,
    EventType::AgentAction,   EventType::MarketStats,     EventType::OrderCancelled,
    EventType::TradeAggregate, EventType::PriceAlert,     EventType::OrderBookMetrics,
    EventType::EnrichedTrade, EventType::OrderFlowImbalance,
};

// The nine of the live ring "events": what the engine writes, the gateway's
// event channels and the seed's raw.* topics.
inline constexpr std::uint8_t kMaxMarketEventType = 9;
inline constexpr std::size_t kMarketEventTypeCount = 9;
inline constexpr EventType kMarketEventTypes[kMarketEventTypeCount] = {
    EventType::OrderPlaced,   EventType::TradeExecuted,   EventType::QuoteUpdate,
    EventType::OrderBookSnapshot, EventType::TradingHalt, EventType::TradingResume,
    EventType::AgentAction,   EventType::MarketStats,     EventType::OrderCancelled,
};

// The five records of processors' output rings.
inline constexpr std::size_t kAnalyticsEventTypeCount = 5;
inline constexpr EventType kAnalyticsEventTypes[kAnalyticsEventTypeCount] = {
    EventType::TradeAggregate, EventType::PriceAlert, EventType::OrderBookMetrics,
    EventType::EnrichedTrade,  EventType::OrderFlowImbalance,
};

constexpr bool is_market_event(EventType type) noexcept {
  const auto t = static_cast<std::uint8_t>(type);
  return t >= kMinEventType && t <= kMaxMarketEventType;
}
constexpr bool is_analytics_event(EventType type) noexcept {
  const auto t = static_cast<std::uint8_t>(type);
  return t > kMaxMarketEventType && t <= kMaxEventType;
}

// Bumped when a frame's layout changes incompatibly; readers refuse other versions.
inline constexpr std::uint8_t kSchemaVersion = 1;
inline constexpr std::size_t kFrameAlignment = 8;

struct FrameHeader {
  std::uint32_t length;          // whole frame in bytes, header included; a multiple of kFrameAlignment
  EventType type;
  std::uint8_t schema_version;   // kSchemaVersion of the writer
  SymbolId symbol;               // every event concerns one symbol; here so filters need no type switch
  std::uint64_t sequence;        // ring sequence, assigned by the ring writer at publish
  std::int64_t event_time_ns;    // exchange time of the event, ns since the Unix epoch (UTC)
  std::int64_t publish_time_ns;  // CLOCK_REALTIME ns at commit into the ring, for latency measurement
};
static_assert(sizeof(FrameHeader) == 32);
static_assert(alignof(FrameHeader) == 8);
static_assert(offsetof(FrameHeader, type) == 4);
static_assert(offsetof(FrameHeader, symbol) == 6);
static_assert(offsetof(FrameHeader, sequence) == 8);
static_assert(offsetof(FrameHeader, event_time_ns) == 16);
static_assert(offsetof(FrameHeader, publish_time_ns) == 24);

constexpr std::size_t align_frame_length(std::size_t n) noexcept {
  return (n + kFrameAlignment - 1) & ~(kFrameAlignment - 1);
}

std::string_view to_string(EventType) noexcept;  // "OrderPlaced", ...; "" for an unknown value
bool parse_event_type(std::string_view name, EventType& out) noexcept;

}  // namespace ringside
