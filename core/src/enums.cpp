#include "ringside/core/enums.hpp"

#include <algorithm>
#include <charconv>

#include "ringside/core/frame.hpp"

namespace ringside {
namespace {

template <std::size_t N>
constexpr std::string_view lookup(const std::string_view (&names)[N], unsigned value) noexcept {
  return value < N ? names[value] : std::string_view{};
}

constexpr std::string_view kSideNames[] = {"Buy", "Sell"};
constexpr std::string_view kOrderTypeNames[] = {"Market", "Limit"};
constexpr std::string_view kTimeInForceNames[] = {"GTC", "IOC", "FOK"};
constexpr std::string_view kCancelReasonNames[] = {
    "AgentCancelled",      "Expired",     "TradingHalt",       "BookCleared",
    "SelfTradePrevention", "NoLiquidity", "ImmediateOrCancel", "FillOrKill"};
constexpr std::string_view kHaltReasonNames[] = {"CircuitBreaker"};
constexpr std::string_view kActionNames[] = {"PlaceOrder", "CancelOrder", "AdjustQuote", "ReduceOrder"};
constexpr std::string_view kDetailKeyNames[] = {
    "side",   "quantity", "price",     "order_id",  "order_type", "strategy", "inventory", "target_quantity",
    "slice",  "slices",   "direction", "bid_price", "ask_price",  "bid_size", "ask_size"};
constexpr std::string_view kStrategyNames[] = {
    "momentum", "random", "block_accumulation", "block_distribution",
    "market_making", "scalping", "directional_burst", "external"};
constexpr std::string_view kAgentTypeNames[] = {
    "Retail", "Institutional", "MarketMaker", "HFT", "Noise", "Informed", "External"};
// The seed's examples: "retail-0042", "inst-002", "mm-003".
constexpr std::string_view kAgentPrefixes[] = {"retail-", "inst-", "mm-", "hft-", "noise-", "informed-", "ext-"};
constexpr int kAgentDigits[] = {4, 3, 3, 3, 3, 3, 4};
constexpr std::string_view kEventTypeNames[] = {
    "",          "OrderPlaced", "TradeExecuted", "QuoteUpdate", "OrderBookSnapshot", "TradingHalt",
    "TradingResume", "AgentAction", "MarketStats", "OrderCancelled", "TradeAggregate", "PriceAlert",
    "OrderBookMetrics", "EnrichedTrade", "OrderFlowImbalance"};
constexpr std::string_view kAlertKindNames[] = {"PRICE_MOVEMENT"};
constexpr std::string_view kAlertDirectionNames[] = {"UP", "DOWN"};
constexpr std::string_view kAlertSeverityNames[] = {"LOW", "MEDIUM", "HIGH", "CRITICAL"};

static_assert(std::size(kSideNames) == kMaxSide + 1u);
static_assert(std::size(kOrderTypeNames) == kMaxOrderType + 1u);
static_assert(std::size(kTimeInForceNames) == kMaxTimeInForce + 1u);
static_assert(std::size(kCancelReasonNames) == kMaxCancelReason + 1u);
static_assert(std::size(kHaltReasonNames) == kMaxHaltReason + 1u);
static_assert(std::size(kActionNames) == kMaxAgentActionKind + 1u);
static_assert(std::size(kDetailKeyNames) == kMaxDetailKey + 1u);
static_assert(std::size(kStrategyNames) == kMaxStrategy + 1u);
static_assert(std::size(kAgentTypeNames) == kAgentTypeCount);
static_assert(std::size(kAgentPrefixes) == kAgentTypeCount);
static_assert(std::size(kEventTypeNames) == kMaxEventType + 1u);
static_assert(std::size(kAlertKindNames) == kMaxAlertKind + 1u);
static_assert(std::size(kAlertDirectionNames) == kMaxAlertDirection + 1u);
static_assert(std::size(kAlertSeverityNames) == kMaxAlertSeverity + 1u);

}  // namespace

std::string_view to_string(Side v) noexcept { return lookup(kSideNames, static_cast<unsigned>(v)); }
std::string_view to_string(OrderType v) noexcept { return lookup(kOrderTypeNames, static_cast<unsigned>(v)); }
std::string_view to_string(TimeInForce v) noexcept { return lookup(kTimeInForceNames, static_cast<unsigned>(v)); }
std::string_view to_string(CancelReason v) noexcept { return lookup(kCancelReasonNames, static_cast<unsigned>(v)); }
std::string_view to_string(HaltReason v) noexcept { return lookup(kHaltReasonNames, static_cast<unsigned>(v)); }
std::string_view to_string(AgentActionKind v) noexcept { return lookup(kActionNames, static_cast<unsigned>(v)); }
std::string_view to_string(DetailKey v) noexcept { return lookup(kDetailKeyNames, static_cast<unsigned>(v)); }
std::string_view to_string(Strategy v) noexcept { return lookup(kStrategyNames, static_cast<unsigned>(v)); }
std::string_view to_string(AgentType v) noexcept { return lookup(kAgentTypeNames, static_cast<unsigned>(v)); }
std::string_view to_string(AlertKind v) noexcept { return lookup(kAlertKindNames, static_cast<unsigned>(v)); }
std::string_view to_string(AlertDirection v) noexcept { return lookup(kAlertDirectionNames, static_cast<unsigned>(v)); }
std::string_view to_string(AlertSeverity v) noexcept { return lookup(kAlertSeverityNames, static_cast<unsigned>(v)); }
std::string_view agent_id_prefix(AgentType v) noexcept { return lookup(kAgentPrefixes, static_cast<unsigned>(v)); }

int agent_id_digits(AgentType v) noexcept {
  const auto i = static_cast<unsigned>(v);
  return i < kAgentTypeCount ? kAgentDigits[i] : 0;
}

std::string_view format_agent_id(AgentId id, AgentIdText& out) noexcept {
  const AgentType type = agent_type_of(id);
  const std::string_view prefix = agent_id_prefix(type);
  char* p = std::copy(prefix.begin(), prefix.end(), out.bytes);
  char digits[8];
  char* end = std::to_chars(digits, digits + sizeof digits, agent_index_of(id)).ptr;
  for (auto pad = agent_id_digits(type) - (end - digits); pad > 0; --pad) *p++ = '0';
  p = std::copy(digits, end, p);
  return {out.bytes, static_cast<std::size_t>(p - out.bytes)};
}

DetailValueKind value_kind_of(DetailKey key) noexcept {
  switch (key) {
    case DetailKey::Side:
    case DetailKey::Direction: return DetailValueKind::Side;
    case DetailKey::OrderType: return DetailValueKind::OrderType;
    case DetailKey::Strategy: return DetailValueKind::Strategy;
    case DetailKey::Price:
    case DetailKey::BidPrice:
    case DetailKey::AskPrice: return DetailValueKind::Price;
    case DetailKey::OrderId: return DetailValueKind::OrderId;
    case DetailKey::OrderQuantity:
    case DetailKey::Inventory:
    case DetailKey::TargetQuantity:
    case DetailKey::Slice:
    case DetailKey::Slices:
    case DetailKey::BidSize:
    case DetailKey::AskSize: return DetailValueKind::Integer;
  }
  return DetailValueKind::Integer;
}

std::string_view to_string(EventType v) noexcept { return lookup(kEventTypeNames, static_cast<unsigned>(v)); }

bool parse_event_type(std::string_view name, EventType& out) noexcept {
  for (unsigned i = kMinEventType; i <= kMaxEventType; ++i) {
    if (kEventTypeNames[i] == name) {
      out = static_cast<EventType>(i);
      return true;
    }
  }
  return false;
}

}  // namespace ringside
