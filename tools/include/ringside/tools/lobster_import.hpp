// A LOBSTER sample turned into order-entry requests for one symbol: what
// `ringside import-lobster` writes as an order file and the conformance test
// replays in process.
//
// The translation (tools/README.md has the user's version):
//   - the opening book, read from the first orderbook row with the first message's
//     effect undone, rests first as one anonymous GTC order per level (seed agent),
//     so it is older than every order of the file;
//   - 1 submission: a GTC limit order (submission agent) whose client order id is the
//     LOBSTER order id;
//   - 2 partial cancel / 3 deletion: the shares leave the book at that price (cancels
//     and reduces, see below);
//   - 4 execution: an IOC limit order on the other side (execution agent) at the
//     execution price for the executed size, so the trade happens in the engine;
//   - 5 hidden execution, 6 cross, 7 halt: no visible change; counted, not written;
//   - after each message, shares that an orderbook row shows at a price and the
//     replay does not hold there (orders from before the file that the first row did
//     not show: deeper than its levels, or not displayed at the open) rest as
//     anonymous orders, the seed's way, once they come into view.
//
// Three External agents keep self-trade prevention out of the way: no order of the
// file can ever meet another of the same agent.
//
// Shares at one price are treated as interchangeable. The engine fills in time
// priority, and LOBSTER's view of which order an execution hit need not agree (an
// execution of a newer order while anonymous shares rest ahead of it), so the
// importer keeps its own copy of the engine's queues: a cancel takes the named
// order's shares where the engine still has them and the rest from other orders at
// that price (anonymous ones first). Every price level then holds exactly the shares
// LOBSTER shows, whichever orders carry them. Messages about orders from before the
// file take their shares from the anonymous seed at their price.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ringside/core/instrument.hpp"
#include "ringside/core/order_entry.hpp"
#include "ringside/tools/lobster.hpp"

namespace ringside::tools {

inline constexpr AgentId kLobsterSeedAgent = make_agent_id(AgentType::External, 1);
inline constexpr AgentId kLobsterSubmissionAgent = make_agent_id(AgentType::External, 2);
inline constexpr AgentId kLobsterExecutionAgent = make_agent_id(AgentType::External, 3);

// Client order ids the importer makes up (seed orders, execution aggressors) count
// up from here; LOBSTER order ids, used as they are, must be below.
inline constexpr std::uint64_t kLobsterImporterIds = std::uint64_t{1} << 39;

struct LobsterImportOptions {
  std::string ticker;        // required, at most kMaxTickerLength characters
  std::string name;          // default: "TICKER (LOBSTER)"
  std::string sector;
  PriceScale tick{1, 2};     // 0.01
  // Frame times are this plus the message's time after midnight (new_york_midnight_ns);
  // without it every frame has time 0 and the replay numbers them.
  std::optional<std::int64_t> midnight_ns;
};

struct LobsterImportStats {
  std::uint64_t messages = 0;
  std::uint64_t by_type[kLobsterEventTypes + 1] = {};  // indexed by LobsterEvent
  std::uint64_t seed_orders = 0;      // one per level of the opening book
  std::uint64_t new_orders = 0;       // NewOrderRequests, seed included
  std::uint64_t cancels = 0;          // CancelOrderRequests that cancel
  std::uint64_t reduces = 0;          // CancelOrderRequests that reduce
  std::uint64_t unknown_order_messages = 0;  // about orders from before the file
  std::uint64_t revealed_orders = 0;  // anonymous orders for liquidity that came into view later
  std::uint64_t revealed_shares = 0;
  std::uint64_t reassigned_shares = 0;  // shares a cancel took from another order at its price
  std::uint64_t missing_shares = 0;     // shares a message removed that the book did not hold
                                        // (deeper than the first row showed)
  std::uint64_t crossing_submissions = 0;  // submissions the engine's book would trade (should be 0)
  std::uint64_t frames() const noexcept { return new_orders + cancels + reduces; }
};

using OrderRequest = std::variant<NewOrderRequest, CancelOrderRequest>;
const FrameHeader& header_of(const OrderRequest& request) noexcept;

struct LobsterImport {
  SymbolTable symbols;                // one instrument; initial price = first row's mid
  std::vector<OrderRequest> requests; // in order
  std::size_t seed_requests = 0;      // the first requests: the opening book
  // requests_after[i]: how many requests the seed and messages 0..i made, so the
  // book after message i is the book after that many requests.
  std::vector<std::size_t> requests_after;
  LobsterImportStats stats;
};

// Throws LobsterError "MESSAGE_FILE:LINE: problem" for a price off the tick grid,
// an order id out of range, a message that contradicts an earlier one.
LobsterImport import_lobster(const LobsterSample& sample, const LobsterImportOptions& options);

// Throws std::runtime_error naming the file.
void write_order_file(const LobsterImport& imported, const std::filesystem::path& file);

// A LOBSTER price (dollars x 10000) in ticks of `tick`; nullopt when it is off the grid.
std::optional<Ticks> lobster_ticks(std::int64_t price, const PriceScale& tick) noexcept;

// "0.01" -> {1, 2}, "0.05" -> {5, 2}, "1" -> {1, 0}. Throws InputError.
PriceScale parse_tick_size(std::string_view text);

}  // namespace ringside::tools
