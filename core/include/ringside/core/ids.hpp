// Identifiers and quantities of the event contract.
//
// Ids are strong enums so an order id can never be passed where a trade id is
// expected; all of them are plain integers in frames, turned into the seed's
// strings (UUIDs, "retail-0042", tickers) only by the edge encoders.
#pragma once

#include <cstdint>
#include <string_view>

namespace ringside {

// Prices are integer ticks of the symbol's tick size (see PriceScale); never floats.
using Ticks = std::int64_t;
// Shares in one order or fill.
using Quantity = std::uint32_t;
// Shares aggregated over orders (book levels, session volume).
using Volume = std::int64_t;

// Index into the ring's symbol table.
enum class SymbolId : std::uint16_t {};
enum class OrderId : std::uint64_t {};
enum class TradeId : std::uint64_t {};

// The six agent types of seeds/000 section 2.3, plus External for orders entered
// from outside the simulation (order-entry rings, order files).
enum class AgentType : std::uint8_t {
  Retail = 0,
  Institutional = 1,
  MarketMaker = 2,
  HFT = 3,
  Noise = 4,
  Informed = 5,
  External = 6,
};
inline constexpr unsigned kAgentTypeCount = 7;

// An agent id carries its type in the top 8 bits and a per-type index in the low
// 24, so every frame that names an agent can be rendered as "retail-0042" without
// a lookup table, and ids of different types never collide.
enum class AgentId : std::uint32_t {};
inline constexpr std::uint32_t kMaxAgentIndex = (1u << 24) - 1;

constexpr AgentId make_agent_id(AgentType type, std::uint32_t index) noexcept {
  return AgentId{(static_cast<std::uint32_t>(type) << 24) | (index & kMaxAgentIndex)};
}
constexpr AgentType agent_type_of(AgentId id) noexcept {
  return static_cast<AgentType>(static_cast<std::uint32_t>(id) >> 24);
}
constexpr std::uint32_t agent_index_of(AgentId id) noexcept {
  return static_cast<std::uint32_t>(id) & kMaxAgentIndex;
}

constexpr std::uint16_t raw(SymbolId id) noexcept { return static_cast<std::uint16_t>(id); }
constexpr std::uint64_t raw(OrderId id) noexcept { return static_cast<std::uint64_t>(id); }
constexpr std::uint64_t raw(TradeId id) noexcept { return static_cast<std::uint64_t>(id); }
constexpr std::uint32_t raw(AgentId id) noexcept { return static_cast<std::uint32_t>(id); }

}  // namespace ringside
