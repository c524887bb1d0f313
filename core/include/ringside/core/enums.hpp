// The enumerations of the event contract and their JSON spellings.
//
// Each enum's numeric values are part of the binary and FlatBuffers contract
// (core/schema/events.fbs mirrors them): append new values, never renumber.
// The spellings are the seed's (seeds/000 sections 2.2 and 5.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ringside/core/ids.hpp"

namespace ringside {

enum class Side : std::uint8_t { Buy = 0, Sell = 1 };
enum class OrderType : std::uint8_t { Market = 0, Limit = 1 };
// Not in the seed's JSON (which has no time in force); carried in binary and FlatBuffers.
enum class TimeInForce : std::uint8_t { GTC = 0, IOC = 1, FOK = 2 };

// Why an order left the book without trading (OrderCancelled.reason).
enum class CancelReason : std::uint8_t {
  AgentCancelled = 0,       // the owner asked
  Expired = 1,              // lifetime ran out
  TradingHalt = 2,          // circuit breaker level 2 cancels resting orders
  BookCleared = 3,          // circuit breaker level 3 clears the book
  SelfTradePrevention = 4,  // the resting order of a self-trade pair
  NoLiquidity = 5,          // the unfilled rest of a market order
  ImmediateOrCancel = 6,    // the unfilled rest of an IOC order
  FillOrKill = 7,           // an FOK order that could not fill entirely
};

enum class HaltReason : std::uint8_t { CircuitBreaker = 0 };

// AgentAction.action
enum class AgentActionKind : std::uint8_t {
  PlaceOrder = 0,
  CancelOrder = 1,
  AdjustQuote = 2,
  ReduceOrder = 3,
};

// Keys of AgentAction.details. The value's meaning follows from the key:
// a Side, an OrderType, a Strategy, a price in ticks, an order id, or a count.
enum class DetailKey : std::uint8_t {
  Side = 0,            // Side
  OrderQuantity = 1,   // shares
  Price = 2,           // ticks
  OrderId = 3,         // order id, rendered as UUID
  OrderType = 4,       // OrderType
  Strategy = 5,        // Strategy
  Inventory = 6,       // signed shares held
  TargetQuantity = 7,  // shares the agent means to reach in total
  Slice = 8,           // 1-based slice number of a sliced parent order
  Slices = 9,          // number of slices
  Direction = 10,      // Side the agent believes in
  BidPrice = 11,       // ticks
  AskPrice = 12,       // ticks
  BidSize = 13,        // shares
  AskSize = 14,        // shares
};

enum class Strategy : std::uint8_t {
  Momentum = 0,
  Random = 1,
  BlockAccumulation = 2,
  BlockDistribution = 3,
  MarketMaking = 4,
  Scalping = 5,
  DirectionalBurst = 6,
  External = 7,
};

enum class DetailValueKind : std::uint8_t { Side, OrderType, Strategy, Price, OrderId, Integer };

// PriceAlert (seeds/003 section 2.3); JSON spells them as the seed does:
// "PRICE_MOVEMENT", "UP"/"DOWN", "LOW".."CRITICAL".
enum class AlertKind : std::uint8_t { PriceMovement = 0 };
enum class AlertDirection : std::uint8_t { Up = 0, Down = 1 };
enum class AlertSeverity : std::uint8_t { Low = 0, Medium = 1, High = 2, Critical = 3 };

// Highest valid value of each enum, for validating frames from untrusted sources.
inline constexpr std::uint8_t kMaxSide = 1;
inline constexpr std::uint8_t kMaxOrderType = 1;
inline constexpr std::uint8_t kMaxTimeInForce = 2;
inline constexpr std::uint8_t kMaxCancelReason = 7;
inline constexpr std::uint8_t kMaxHaltReason = 0;
inline constexpr std::uint8_t kMaxAgentActionKind = 3;
inline constexpr std::uint8_t kMaxDetailKey = 14;
inline constexpr std::uint8_t kMaxStrategy = 7;
inline constexpr std::uint8_t kMaxAgentType = 6;
inline constexpr std::uint8_t kMaxAlertKind = 0;
inline constexpr std::uint8_t kMaxAlertDirection = 1;
inline constexpr std::uint8_t kMaxAlertSeverity = 3;

// Whether a raw enum byte is one of its defined values (0..max).
template <class Enum>
constexpr bool enum_within(Enum value, std::uint8_t max) noexcept {
  return static_cast<std::uint8_t>(value) <= max;
}
// Whether an agent id's type byte names a defined AgentType.
constexpr bool agent_type_valid(AgentId agent) noexcept {
  return static_cast<std::uint8_t>(agent_type_of(agent)) <= kMaxAgentType;
}

std::string_view to_string(Side) noexcept;
std::string_view to_string(OrderType) noexcept;
std::string_view to_string(TimeInForce) noexcept;
std::string_view to_string(CancelReason) noexcept;
std::string_view to_string(HaltReason) noexcept;
std::string_view to_string(AgentActionKind) noexcept;
std::string_view to_string(DetailKey) noexcept;  // the JSON key, snake_case
std::string_view to_string(Strategy) noexcept;   // snake_case, e.g. "block_accumulation"
std::string_view to_string(AgentType) noexcept;  // "Retail", ..., "External"
std::string_view to_string(AlertKind) noexcept;       // "PRICE_MOVEMENT"
std::string_view to_string(AlertDirection) noexcept;  // "UP", "DOWN"
std::string_view to_string(AlertSeverity) noexcept;   // "LOW", "MEDIUM", "HIGH", "CRITICAL"

// Prefix and minimum digits of the agent id string: Retail -> "retail-", 4 digits.
std::string_view agent_id_prefix(AgentType) noexcept;
int agent_id_digits(AgentType) noexcept;

// "retail-0042": the agent's id as JSON and Kafka keys spell it. Written into
// `out`; the view is valid while `out` is.
struct AgentIdText {
  char bytes[32];
};
std::string_view format_agent_id(AgentId id, AgentIdText& out) noexcept;

DetailValueKind value_kind_of(DetailKey) noexcept;

}  // namespace ringside
