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
};
inline constexpr std::uint8_t kMinEventType = 1;
inline constexpr std::uint8_t kMaxEventType = 9;
inline constexpr std::size_t kEventTypeCount = 9;

inline constexpr EventType kAllEventTypes[kEventTypeCount] = {
    EventType::OrderPlaced,   EventType::TradeExecuted,   EventType::QuoteUpdate,
    EventType::OrderBookSnapshot, EventType::TradingHalt, EventType::TradingResume,
    EventType::AgentAction,   EventType::MarketStats,     EventType::OrderCancelled,
};

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
