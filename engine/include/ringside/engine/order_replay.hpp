// Order-entry frames applied to an Exchange: the engine's batch mode
// (`ringside-engine --orders FILE`) and the real-data conformance test.
//
// Orders from a file are external orders of client 0: the engine's order id is
// external_order_id(0, client_order_id), and the agent is the one the frame names.
// Each frame is one request and one commit, exactly as if it had come through a
// client's order-entry ring, so a replay's event stream matches a live run's.
#pragma once

#include <cstdint>
#include <functional>

#include "ringside/core/order_file.hpp"
#include "ringside/engine/exchange.hpp"

namespace ringside::engine {

// The client number that order files' client order ids belong to.
inline constexpr std::uint32_t kOrderFileClient = 0;

// Applies one NewOrderRequest or CancelOrderRequest and commits its events.
// A CancelOrderRequest with reduce_by 0 cancels, otherwise it reduces. Returns
// why the request was refused (None when it was not); BadRequest for a frame of
// another type or with enum values out of range, BadOrderId for a client order id
// out of range. `result`, when given, receives a NewOrderRequest's SubmitResult
// (for a cancel: the default with `reject` set). Precondition: frame.length bytes
// are readable at &frame (a ring slot, an OrderFile's buffer, a whole request).
RejectReason apply_order_frame(const FrameHeader& frame, Exchange& exchange, std::int64_t now_ns,
                               SubmitResult* result = nullptr) noexcept;

struct ReplayReport {
  std::uint64_t frames = 0;     // frames applied
  std::uint64_t orders = 0;     // NewOrderRequests
  std::uint64_t cancels = 0;    // CancelOrderRequests with reduce_by 0
  std::uint64_t reduces = 0;    // CancelOrderRequests with reduce_by > 0
  std::uint64_t rejected = 0;   // requests refused, any reason
  std::uint64_t rejected_by_reason[256] = {};  // indexed by RejectReason
  std::uint64_t filled_orders = 0;  // NewOrderRequests that traded at least once
  std::uint64_t filled_quantity = 0;  // shares traded by NewOrderRequests (each trade once)
  std::int64_t first_event_ns = 0;  // time of the first and last frame applied
  std::int64_t last_event_ns = 0;
  double seconds = 0;           // wall-clock time the replay took
};

// Called after every `progress_every` frames and once at the end.
using ReplayProgress = std::function<void(const ReplayReport&)>;

// Applies every frame of `file` in order, as fast as possible, one commit per frame.
//
// Event time: a frame whose header.event_time_ns is non-zero is applied at that
// time; a frame with time 0 at start_ns + i (i = its index in the file, so such
// frames are 1 ns apart). Time never goes backwards: a frame earlier than the one
// before it is applied at the earlier frame's time. Either way the times come from
// the file, never the clock, so two replays of a file publish identical events.
//
// No ticks are run (Exchange::on_tick): no periodic snapshots or statistics, and
// a circuit breaker halt lasts to the end of the file.
//
// The file's symbols must be the exchange's (same tickers and tick sizes, in the same order):
// frames name symbols by index. Throws std::invalid_argument when they differ.
ReplayReport replay_order_file(const OrderFile& file, Exchange& exchange, std::int64_t start_ns,
                               const ReplayProgress& progress = {}, std::uint64_t progress_every = 1'000'000);

// Throws std::invalid_argument naming the first difference when the file's symbols
// are not the exchange's.
void check_same_symbols(const SymbolTable& file_symbols, const SymbolTable& exchange_symbols);

}  // namespace ringside::engine
