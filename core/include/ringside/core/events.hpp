// The event frames in their binary form: the nine market events of seeds/000
// section 2.2 (what the engine writes) and the five analytics records of
// seeds/003 section 2 (what processors write to their own rings, issue 8).
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
#include <cstring>
#include <string_view>
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

// ---- Analytics records (issue 8; field lists of seeds/003 section 2) ----------
//
// Written by processors into their output rings, one symbol each (header.symbol,
// from the input ring's symbol table, which the output ring carries too). Like
// the market events they keep exact integers: prices in ticks, notional as
// ticks x shares. The ratios the seed's records hold as doubles (VWAP, buy/sell
// ratio, mid, spread in bps, imbalance, percent change) are not stored: the
// encoders derive them from these integers (core/derived.hpp).

// Flags of windowed records.
inline constexpr std::uint8_t kRecordInputGap = 1;  // the processor missed input frames (lapped) within the window
inline constexpr std::uint8_t kKnownRecordFlags = kRecordInputGap;

// Trades of one symbol in one tumbling event-time window [window_start, window_end)
// (seeds/003 2.2 TradeAggregate). header.event_time_ns is window_end_ns.
struct TradeAggregate {
  static constexpr EventType kType = EventType::TradeAggregate;
  FrameHeader header;
  std::int64_t window_start_ns;
  std::int64_t window_end_ns;       // exclusive; window_size = end - start ("1m", "5m", "15m")
  std::int64_t computed_at_ns;      // CLOCK_REALTIME when the record was made
  Volume total_volume;              // shares
  std::int64_t total_value_ticks;   // sum of price (ticks) * quantity, as MarketStats.notional_ticks
  Ticks open;                       // trade with the smallest (event time, ring sequence)
  Ticks high;
  Ticks low;
  Ticks close;                      // trade with the largest (event time, ring sequence)
  std::uint64_t trade_count;
  std::uint64_t buy_count;          // trades whose aggressor bought
  std::uint64_t sell_count;         // trades whose aggressor sold
  std::uint16_t revision;           // 0: the first emission; n: the nth update after late trades
  std::uint8_t flags;               // kRecordInputGap
  std::uint8_t reserved[5];
};

// A price movement past the threshold against the symbol's baseline
// (seeds/003 2.3). header.event_time_ns is detected_at_ns.
struct PriceAlert {
  static constexpr EventType kType = EventType::PriceAlert;
  FrameHeader header;
  Ticks baseline_price;             // first trade price of the detection window
  Ticks current_price;              // the trade that crossed the threshold
  std::int64_t window_start_ns;     // event time of the baseline
  std::int64_t detected_at_ns;      // event time of the current trade
  AlertKind kind;
  AlertDirection direction;
  AlertSeverity severity;
  std::uint8_t reserved[5];
};

// Depth counted at these many levels a side (seeds/003 2.4: 5, 10 and 20).
inline constexpr std::size_t kBookMetricDepths = 3;
inline constexpr std::uint16_t kBookMetricLevels[kBookMetricDepths] = {5, 10, 20};

// Metrics of one OrderBookSnapshot (seeds/003 2.4); header.event_time_ns is the
// snapshot's. An empty side has best price 0; mid, spread and spread_bps are 0
// unless both sides have a price.
struct OrderBookMetrics {
  static constexpr EventType kType = EventType::OrderBookMetrics;
  FrameHeader header;
  Ticks best_bid;
  Ticks best_ask;
  Volume bid_depth[kBookMetricDepths];  // shares in the best 5, 10, 20 bid levels
  Volume ask_depth[kBookMetricDepths];
  std::uint64_t snapshot_sequence;      // the snapshot's per-symbol sequence_number
  std::uint16_t bid_levels;             // levels the snapshot had
  std::uint16_t ask_levels;
  std::uint32_t reserved;
};

// Reference-data texts: UTF-8 without control characters, NUL-padded; a field
// holds at most its size - 1 bytes.
inline constexpr std::size_t kCompanyNameBytes = 64;
inline constexpr std::size_t kSectorBytes = 32;
inline constexpr std::size_t kIndustryBytes = 48;
inline constexpr std::size_t kMarketCapTierBytes = 16;
inline constexpr std::size_t kListedExchangeBytes = 16;

// A trade with the reference data of its symbol (seeds/003 2.5). A symbol the
// reference file lacks has every text "UNKNOWN" and reference_found 0.
struct EnrichedTrade {
  static constexpr EventType kType = EventType::EnrichedTrade;
  FrameHeader header;               // the trade's event time
  TradeId trade_id;
  OrderId buyer_order_id;
  OrderId seller_order_id;
  Ticks price;
  Quantity quantity;
  AgentId buyer_agent;
  AgentId seller_agent;
  Side aggressor_side;
  std::uint8_t reference_found;     // 1 when the reference data had the symbol
  std::uint8_t reserved[2];
  std::int64_t enriched_at_ns;      // CLOCK_REALTIME when the record was made
  char company_name[kCompanyNameBytes];
  char sector[kSectorBytes];
  char industry[kIndustryBytes];
  char market_cap_tier[kMarketCapTierBytes];
  char listed_exchange[kListedExchangeBytes];
};

// Order-flow imbalance of one symbol over [window_start, window_end) after Cont,
// Kukanov and Stoikov (2014): each change n of the best quote contributes
//   e(n) = [Pb(n) >= Pb(n-1)] qb(n) - [Pb(n) <= Pb(n-1)] qb(n-1)
//        - [Pa(n) <= Pa(n-1)] qa(n) + [Pa(n) >= Pa(n-1)] qa(n-1)
// and ofi = sum of e(n) = bid_flow - ask_flow (shares). header.event_time_ns is
// window_end_ns.
struct OrderFlowImbalance {
  static constexpr EventType kType = EventType::OrderFlowImbalance;
  FrameHeader header;
  std::int64_t window_start_ns;
  std::int64_t window_end_ns;       // exclusive
  Volume ofi;
  Volume bid_flow;                  // the bid terms of e(n), summed
  Volume ask_flow;                  // the ask terms with their sign reversed, summed
  Volume depth_sum;                 // sum over the changes of qb(n) + qa(n): mean depth for normalising
  std::uint64_t update_count;       // best-quote changes in the window
  Ticks best_bid;                   // the quote at the window's last change
  Ticks best_ask;
  Volume bid_size;
  Volume ask_size;
  std::uint8_t flags;               // kRecordInputGap
  std::uint8_t reserved[7];
};

// The text of a NUL-padded field (up to its first NUL).
template <std::size_t N>
constexpr std::string_view text_of(const char (&field)[N]) noexcept {
  std::size_t n = 0;
  while (n < N && field[n] != '\0') ++n;
  return {field, n};
}
// Stores `text` NUL-padded; false (and the field left empty) when it does not fit.
template <std::size_t N>
bool set_text(char (&field)[N], std::string_view text) noexcept {
  std::memset(field, 0, N);
  if (text.size() >= N) return false;
  std::memcpy(field, text.data(), text.size());
  return true;
}

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
static_assert(sizeof(TradeAggregate) == 136);
static_assert(offsetof(TradeAggregate, trade_count) == 104 && offsetof(TradeAggregate, revision) == 128);
static_assert(sizeof(PriceAlert) == 72);
static_assert(offsetof(PriceAlert, kind) == 64);
static_assert(sizeof(OrderBookMetrics) == 112);
static_assert(offsetof(OrderBookMetrics, bid_depth) == 48 && offsetof(OrderBookMetrics, snapshot_sequence) == 96);
static_assert(sizeof(EnrichedTrade) == 264);
static_assert(offsetof(EnrichedTrade, enriched_at_ns) == 80 && offsetof(EnrichedTrade, company_name) == 88 &&
              offsetof(EnrichedTrade, listed_exchange) == 248);
static_assert(sizeof(OrderFlowImbalance) == 128);
static_assert(offsetof(OrderFlowImbalance, update_count) == 80 && offsetof(OrderFlowImbalance, flags) == 120);

// Frame length of the variable-length events with the given number of entries.
constexpr std::uint32_t snapshot_frame_length(std::size_t bids, std::size_t asks) noexcept {
  return static_cast<std::uint32_t>(offsetof(OrderBookSnapshot, levels) + (bids + asks) * sizeof(PriceLevel));
}
constexpr std::uint32_t agent_action_frame_length(std::size_t details) noexcept {
  return static_cast<std::uint32_t>(offsetof(AgentAction, details) + details * sizeof(AgentDetail));
}

// The largest frame of any type; a buffer this big holds any event.
inline constexpr std::size_t kMaxFrameLength = sizeof(OrderBookSnapshot);
static_assert(sizeof(TradeAggregate) <= kMaxFrameLength && sizeof(PriceAlert) <= kMaxFrameLength &&
              sizeof(OrderBookMetrics) <= kMaxFrameLength && sizeof(EnrichedTrade) <= kMaxFrameLength &&
              sizeof(OrderFlowImbalance) <= kMaxFrameLength);

template <class Event>
concept EventFrame = std::is_trivially_copyable_v<Event> && std::is_standard_layout_v<Event> &&
                     requires { Event::kType; } && offsetof(Event, header) == 0 &&
                     alignof(Event) == kFrameAlignment && sizeof(Event) % kFrameAlignment == 0;

static_assert(EventFrame<OrderPlaced> && EventFrame<TradeExecuted> && EventFrame<QuoteUpdate> &&
              EventFrame<OrderBookSnapshot> && EventFrame<TradingHalt> && EventFrame<TradingResume> &&
              EventFrame<AgentAction> && EventFrame<MarketStats> && EventFrame<OrderCancelled> &&
              EventFrame<TradeAggregate> && EventFrame<PriceAlert> && EventFrame<OrderBookMetrics> &&
              EventFrame<EnrichedTrade> && EventFrame<OrderFlowImbalance>);

// A frame as the event its type says it is. Precondition: h.type is Event::kType
// and the frame is at least fixed_frame_length<Event>() long (check_frame).
template <EventFrame Event>
const Event& event_cast(const FrameHeader& h) noexcept {
  return *reinterpret_cast<const Event*>(&h);
}

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
