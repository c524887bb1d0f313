// The order streams `ringside-bench match` feeds the engine, and the reference
// matcher that checks it.
//
// A stream is generated once, before anything is timed, deterministically from
// its profile and seed: first the preload (passive GTC limit orders that build
// the resting book, never crossing), then the measured operations. The
// generator runs the reference matcher in lockstep, so every cancel names an
// order that is resting at that point and the resting book can be steered
// towards the profile's size; the reference's results over the whole stream
// are what the engine's must equal.
//
// The reference matcher is deliberately plain: per symbol, std::map from price
// to a std::list queue per side, and an std::unordered_map from order id to its
// place. Price-time priority; a limit order trades while the opposite best
// price crosses its limit, a market order while there is anything; within a
// level oldest first; each resting order touched is one trade at the resting
// price. Self-trade prevention as the engine's: when the resting order belongs
// to the aggressor's agent, the resting order is cancelled and matching goes on.
// The unfilled rest of a GTC limit order rests (at the back of its level); that
// of an IOC or market order is cancelled.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "ringside/core/enums.hpp"
#include "ringside/core/ids.hpp"

namespace ringside::bench::match {

enum class OpKind : std::uint8_t { Limit = 0, Ioc = 1, Market = 2, Cancel = 3 };
inline constexpr int kOpKinds = 4;
inline constexpr std::string_view kOpKindNames[kOpKinds] = {"limit", "ioc", "market", "cancel"};

// One request: a new order (limit GTC, limit IOC, market) or a cancel.
struct Op {
  std::uint64_t id = 0;        // the new order's id; for a cancel, the resting order's
  std::int32_t price = 0;      // ticks (limit and IOC orders)
  std::uint32_t quantity = 0;  // new orders
  std::uint32_t agent = 0;     // raw AgentId (new orders)
  std::uint16_t symbol = 0;
  OpKind kind = OpKind::Limit;
  Side side = Side::Buy;
};
static_assert(sizeof(Op) == 24);

enum class Profile { P2, P3, P4 };

struct ProfileSpec {
  std::string_view name;
  std::string_view summary;
  std::size_t symbols = 1;
  std::size_t resting_per_symbol = 1000;  // the steady state aimed at, and the preload
  std::uint64_t default_ops = 1'000'000;
  // Op mix of the measured part (fractions; cancels take the rest).
  double limit = 0.60;
  double ioc = 0.07;
  double market = 0.05;
  // Passive limit orders: distance from the fair price in ticks, 1 + an
  // exponential of this mean, at most max_offset.
  double offset_mean = 10.0;
  std::int32_t max_offset = 120;
  // Share of passive orders placed at the hot price (fair -/+ 1 tick); 0: none.
  double hot_share = 0.0;
  // The fair price moves one tick with this probability per order of its symbol
  // (reflected within +-walk_band ticks of the initial price); 0: fixed.
  double walk_probability = 0.0;
  std::int32_t walk_band = 150;
  std::uint32_t agents = 1000;
};

const ProfileSpec& spec_of(Profile profile) noexcept;
bool parse_profile(std::string_view text, Profile& out) noexcept;

inline constexpr Ticks kInitialPrice = 10'000;  // every symbol's opening price, 100.00 at 0.01

// Folds one request's outcome into a running checksum; the engine's and the
// reference's must agree op by op.
constexpr std::uint64_t fold_submit(std::uint64_t h, std::uint64_t filled, std::uint64_t resting,
                                    std::uint64_t cancelled) noexcept {
  return h * 0x9E3779B97F4A7C15ULL + (filled ^ (resting << 21) ^ (cancelled << 42)) + 1;
}
constexpr std::uint64_t fold_cancel(std::uint64_t h, bool cancelled) noexcept {
  return h * 0x9E3779B97F4A7C15ULL + (cancelled ? 0x5bd1e995ULL : 0x1b873593ULL);
}

// What the reference matcher saw over a stream (or its preload).
struct ReferenceTotals {
  std::uint64_t trades = 0;               // TradeExecuted events
  std::uint64_t volume = 0;               // shares traded
  std::uint64_t submits = 0;              // OrderPlaced events
  std::uint64_t cancelled_events = 0;     // OrderCancelled: cancels, IOC/market rests, self-trade preventions
  std::uint64_t self_trade_cancels = 0;
  std::uint64_t resting = 0;              // resting orders at the end
  std::uint64_t checksum = 0;             // fold_submit / fold_cancel over every op
  std::uint64_t ops_by_kind[kOpKinds] = {};
};

struct Stream {
  Profile profile = Profile::P2;
  std::vector<Op> ops;       // preload first, then the measured ops
  std::size_t preload = 0;   // ops[0, preload) build the book, untimed
  ReferenceTotals reference; // over every op
  ReferenceTotals preload_reference;
  // Resting orders over the measured ops (sampled after each op).
  std::uint64_t resting_min = 0;
  std::uint64_t resting_max = 0;
  double resting_mean = 0;
  std::uint64_t levels_end = 0;           // price levels (both sides, all symbols) at the end
  std::uint64_t largest_level_end = 0;    // orders in the fullest level at the end
  std::size_t measured() const noexcept { return ops.size() - preload; }
};

Stream generate(Profile profile, std::uint64_t measured_ops, std::uint64_t seed);

}  // namespace ringside::bench::match
