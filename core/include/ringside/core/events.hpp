// The nine event frames of seeds/000 section 2.2 in their binary form.
//
// Each frame starts with FrameHeader; field order keeps every member naturally
// aligned with explicit reserved bytes, so the layout is the same for every
// compiler and the static_asserts below pin it. Reserved bytes are written as zero.
//
// Two frames are variable-length and bounded: OrderBookSnapshot (levels) and
// AgentAction (details). Their structs hold the maximum; `length` in the header
// says how much of it is present, and only that much is copied into a ring.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "ringside/core/enums.hpp"
#include "ringside/core/frame.hpp"
#include "ringside/core/ids.hpp"

namespace ringside {

struct OrderPlaced {
  static constexpr EventType kType = EventType::OrderPlaced;
  FrameHeader header;
  OrderId order_id;
  Ticks price;               // 0 for market orders
  Quantity quantity;
  AgentId agent;
  Side side;
  OrderType order_type;
  TimeInForce time_in_force;
  std::uint8_t reserved[5];
};

struct TradeExecuted {
  static constexpr EventType kType = EventType::TradeExecuted;
  FrameHeader header;
  TradeId trade_id;
  OrderId buyer_order_id;
  OrderId seller_order_id;
  Ticks price;
  Quantity quantity;
  AgentId buyer_agent;
  AgentId seller_agent;
  Side aggressor_side;
  std::uint8_t reserved[3];
};

// Best bid and ask after a change. An empty side has price 0 and size 0.
struct QuoteUpdate {
  static constexpr EventType kType = EventType::QuoteUpdate;
  FrameHeader header;
  Ticks bid_price;
  Ticks ask_price;
  Volume bid_size;
  Volume ask_size;
};

struct PriceLevel {
  Ticks price;
  Volume quantity;
};

inline constexpr std::size_t kMaxBookDepth = 64;  // levels per side in one snapshot

struct OrderBookSnapshot {
  static constexpr EventType kType = EventType::OrderBookSnapshot;
  FrameHeader header;
  std::uint64_t sequence_number;  // per-symbol, monotonically increasing
  std::uint16_t bid_count;
  std::uint16_t ask_count;
  std::uint32_t reserved;
  // bids best first (price descending), then asks best first (ascending)
  PriceLevel levels[2 * kMaxBookDepth];

  const PriceLevel* bids() const noexcept { return levels; }
  const PriceLevel* asks() const noexcept { return levels + bid_count; }
};

struct TradingHalt {
  static constexpr EventType kType = EventType::TradingHalt;
  FrameHeader header;
  Ticks trigger_price;
  Ticks reference_price;
  std::int32_t decline_bps;         // decline from reference in basis points (700 = 7.00 %)
  std::int32_t halt_duration_secs;
  std::uint8_t level;               // 1, 2 or 3
  HaltReason reason;
  std::uint8_t reserved[6];
};

struct TradingResume {
  static constexpr EventType kType = EventType::TradingResume;
  FrameHeader header;
  std::int64_t halted_at_ns;        // event time of the matching TradingHalt
  std::int32_t halt_duration_secs;
  std::uint8_t level;
  std::uint8_t reserved[3];
};

struct AgentDetail {
  DetailKey key;
  std::uint8_t reserved[7];
  std::int64_t value;  // meaning given by value_kind_of(key)
};

inline constexpr std::size_t kMaxAgentDetails = 8;

struct AgentAction {
  static constexpr EventType kType = EventType::AgentAction;
  FrameHeader header;
  AgentId agent;
  AgentActionKind action;
  std::uint8_t detail_count;
  std::uint8_t reserved[2];
  AgentDetail details[kMaxAgentDetails];
};

// Session statistics. VWAP and turnover are derived from the exact notional:
// vwap = notional_ticks / volume, turnover = notional_ticks * tick size.
struct MarketStats {
  static constexpr EventType kType = EventType::MarketStats;
  FrameHeader header;
  Ticks open;
  Ticks high;
  Ticks low;
  Ticks last;
  Volume volume;
  std::int64_t notional_ticks;      // sum of price (ticks) * quantity over the session's trades
  std::uint32_t trade_count;
  std::uint32_t reserved;
};

struct OrderCancelled {
  static constexpr EventType kType = EventType::OrderCancelled;
  FrameHeader header;
  OrderId order_id;
  Ticks price;
  Quantity remaining_quantity;
  AgentId agent;
  Side side;
  CancelReason reason;
  std::uint8_t reserved[6];
};

// Sizes and offsets are the binary contract: a change here is a new kSchemaVersion.
static_assert(sizeof(OrderPlaced) == 64);
static_assert(sizeof(TradeExecuted) == 80);
static_assert(sizeof(QuoteUpdate) == 64);
static_assert(sizeof(PriceLevel) == 16);
static_assert(offsetof(OrderBookSnapshot, levels) == 48);
static_assert(sizeof(OrderBookSnapshot) == 48 + 2 * kMaxBookDepth * sizeof(PriceLevel));
static_assert(sizeof(TradingHalt) == 64);
static_assert(sizeof(TradingResume) == 48);
static_assert(sizeof(AgentDetail) == 16);
static_assert(offsetof(AgentAction, details) == 40);
static_assert(sizeof(AgentAction) == 40 + kMaxAgentDetails * sizeof(AgentDetail));
static_assert(sizeof(MarketStats) == 88);
static_assert(sizeof(OrderCancelled) == 64);

// Frame length of the variable-length events with the given number of entries.
constexpr std::uint32_t snapshot_frame_length(std::size_t bids, std::size_t asks) noexcept {
  return static_cast<std::uint32_t>(offsetof(OrderBookSnapshot, levels) + (bids + asks) * sizeof(PriceLevel));
}
constexpr std::uint32_t agent_action_frame_length(std::size_t details) noexcept {
  return static_cast<std::uint32_t>(offsetof(AgentAction, details) + details * sizeof(AgentDetail));
}

// The largest frame of any type; a buffer this big holds any event.
inline constexpr std::size_t kMaxFrameLength = sizeof(OrderBookSnapshot);

template <class Event>
concept EventFrame = std::is_trivially_copyable_v<Event> && std::is_standard_layout_v<Event> &&
                     requires { Event::kType; } && offsetof(Event, header) == 0 &&
                     alignof(Event) == kFrameAlignment && sizeof(Event) % kFrameAlignment == 0;

static_assert(EventFrame<OrderPlaced> && EventFrame<TradeExecuted> && EventFrame<QuoteUpdate> &&
              EventFrame<OrderBookSnapshot> && EventFrame<TradingHalt> && EventFrame<TradingResume> &&
              EventFrame<AgentAction> && EventFrame<MarketStats> && EventFrame<OrderCancelled>);

// Fixed-length frames are exactly their struct; variable ones as long as their entries.
template <EventFrame Event>
constexpr std::uint32_t fixed_frame_length() noexcept {
  return static_cast<std::uint32_t>(sizeof(Event));
}

// Fills the header fields an event producer owns. The ring writer fills sequence
// and publish_time_ns at commit.
template <EventFrame Event>
constexpr void init_header(Event& event, SymbolId symbol, std::int64_t event_time_ns,
                           std::uint32_t length = fixed_frame_length<Event>()) noexcept {
  event.header.length = length;
  event.header.type = Event::kType;
  event.header.schema_version = kSchemaVersion;
  event.header.symbol = symbol;
  event.header.sequence = 0;
  event.header.event_time_ns = event_time_ns;
  event.header.publish_time_ns = 0;
}

// A buffer that holds any one frame, aligned for in-place access.
struct alignas(kFrameAlignment) FrameBuffer {
  std::byte bytes[kMaxFrameLength];

  const FrameHeader& header() const noexcept { return *reinterpret_cast<const FrameHeader*>(bytes); }
  FrameHeader& header() noexcept { return *reinterpret_cast<FrameHeader*>(bytes); }
  template <EventFrame Event>
  Event& as() noexcept { return *reinterpret_cast<Event*>(bytes); }
  template <EventFrame Event>
  const Event& as() const noexcept { return *reinterpret_cast<const Event*>(bytes); }
};

}  // namespace ringside
