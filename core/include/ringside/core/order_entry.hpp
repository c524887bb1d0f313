// Order entry: the frames a client sends to the engine and the reports it gets back.
//
// They travel in rings of their own (a client's "orders.NAME" ring into the engine,
// the engine's "reports.NAME" ring back, SPEC section 3) and in order files
// (order_file.hpp), never in the live event ring. They share FrameHeader with the
// events so the same ring code carries them; their type numbers start at 32 so a
// frame can never be mistaken for an event (types 1..14).
//
// Client order ids are the client's own numbers, below 2^40. The engine's order
// id for an external order is external_order_id(client, client_order_id), so the
// live ring's OrderPlaced/TradeExecuted name it without a lookup table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ringside/core/enums.hpp"
#include "ringside/core/frame.hpp"
#include "ringside/core/ids.hpp"

namespace ringside {

enum class OrderEntryType : std::uint8_t {
  NewOrder = 32,
  CancelOrder = 33,
  ExecutionReport = 34,
};

inline constexpr std::uint64_t kMaxClientOrderId = (std::uint64_t{1} << 40) - 1;
inline constexpr std::uint32_t kMaxExternalClients = (1u << 16) - 1;
// Order ids of the simulation's own agents stay below this bit.
inline constexpr std::uint64_t kExternalOrderBit = std::uint64_t{1} << 63;

constexpr OrderId external_order_id(std::uint32_t client, std::uint64_t client_order_id) noexcept {
  return OrderId{kExternalOrderBit | (std::uint64_t{client} << 40) | (client_order_id & kMaxClientOrderId)};
}
constexpr bool is_external(OrderId id) noexcept { return (raw(id) & kExternalOrderBit) != 0; }
constexpr std::uint32_t client_of(OrderId id) noexcept {
  return static_cast<std::uint32_t>((raw(id) >> 40) & kMaxExternalClients);
}
constexpr std::uint64_t client_order_id_of(OrderId id) noexcept { return raw(id) & kMaxClientOrderId; }

// Why the engine refused a request. Zero is "not rejected".
enum class RejectReason : std::uint8_t {
  None = 0,
  UnknownSymbol = 1,     // header.symbol is not in the engine's symbol table
  BadPrice = 2,          // a limit price that is zero or negative
  PriceOffTick = 3,      // reserved for prices given off the tick grid (files in currency units)
  BadQuantity = 4,       // zero, or above kMaxOrderQuantity
  SymbolHalted = 5,      // a circuit breaker halt is in force
  UnknownOrder = 6,      // a cancel for an order that is not resting (never was, filled, cancelled)
  ReplyRingFull = 7,     // the client's report ring has no room: the client is not reading
  DuplicateOrderId = 8,  // the client order id is resting already
  BadOrderId = 9,        // client order id zero or above kMaxClientOrderId
  BookFull = 10,         // the engine's order pool is exhausted
  BadRequest = 11,       // a malformed frame (type, length, enum values)
};
std::string_view to_string(RejectReason) noexcept;  // "UnknownSymbol", ...

inline constexpr Quantity kMaxOrderQuantity = 100'000'000;

enum class ExecType : std::uint8_t {
  New = 0,              // accepted; resting or about to match
  PartiallyFilled = 1,  // a fill, with more to come or resting
  Filled = 2,           // the last fill
  Cancelled = 3,        // the rest was cancelled (CancelReason says why)
  Rejected = 4,         // refused (RejectReason says why)
};
std::string_view to_string(ExecType) noexcept;  // "NEW", "PARTIALLY_FILLED", "FILLED", "CANCELLED", "REJECTED"

struct NewOrderRequest {
  static constexpr OrderEntryType kType = OrderEntryType::NewOrder;
  FrameHeader header;            // type NewOrder; symbol; event_time_ns = client send time
  std::uint64_t client_order_id;
  Ticks price;                   // ignored for market orders
  Quantity quantity;
  AgentId agent;                 // order files only: who the order is for (the engine sets it for clients)
  Side side;
  OrderType order_type;
  TimeInForce time_in_force;
  std::uint8_t reserved[5];
};

// Cancels a resting order, or with reduce_by > 0 takes that many shares off it
// (an order reduced to nothing is cancelled).
struct CancelOrderRequest {
  static constexpr OrderEntryType kType = OrderEntryType::CancelOrder;
  FrameHeader header;            // type CancelOrder; symbol of the order
  std::uint64_t client_order_id;
  Quantity reduce_by;
  AgentId agent;                 // order files only, as above
};

struct ExecutionReport {
  static constexpr OrderEntryType kType = OrderEntryType::ExecutionReport;
  FrameHeader header;            // type ExecutionReport; event_time_ns = engine time
  std::uint64_t client_order_id;
  OrderId order_id;              // the id in the live ring (0 when rejected before it got one)
  Ticks last_price;              // fills: the trade price
  Quantity last_quantity;        // fills: the trade size; cancels: the shares cancelled
  Quantity cumulative_quantity;  // filled so far
  Quantity leaves_quantity;      // still open
  ExecType exec_type;
  RejectReason reject_reason;
  CancelReason cancel_reason;
  std::uint8_t reserved;
};

static_assert(sizeof(NewOrderRequest) == 64);
static_assert(sizeof(CancelOrderRequest) == 48);
static_assert(sizeof(ExecutionReport) == 72);

template <class Frame>
constexpr void init_order_entry_header(Frame& frame, SymbolId symbol, std::int64_t time_ns) noexcept {
  frame.header.length = static_cast<std::uint32_t>(sizeof(Frame));
  frame.header.type = static_cast<EventType>(Frame::kType);
  frame.header.schema_version = kSchemaVersion;
  frame.header.symbol = symbol;
  frame.header.sequence = 0;
  frame.header.event_time_ns = time_ns;
  frame.header.publish_time_ns = 0;
}

constexpr OrderEntryType order_entry_type(const FrameHeader& h) noexcept {
  return static_cast<OrderEntryType>(h.type);
}

}  // namespace ringside
