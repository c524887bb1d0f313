// Frames the ring benchmarks publish, and the frame the baselines carry.
//
// A 64-byte frame is a QuoteUpdate (the commonest event); any other size is an
// OrderBookSnapshot with (bytes - 48) / 16 levels. Every byte is written, as a
// producer filling a real event would.
#pragma once

#include <cstdint>
#include <cstring>

#include "ringside/core/events.hpp"

namespace ringside::bench {

inline bool valid_frame_bytes(std::uint32_t bytes) noexcept {
  return bytes == sizeof(QuoteUpdate) ||
         (bytes >= snapshot_frame_length(1, 0) && (bytes - snapshot_frame_length(0, 0)) % sizeof(PriceLevel) == 0 &&
          bytes <= kMaxFrameLength);
}

// Fills the frame of `bytes` at `at` (claimed from a ring, or a plain buffer).
inline void fill_frame(void* at, std::uint32_t bytes, std::uint64_t i, std::int64_t event_time_ns) noexcept {
  const auto symbol = static_cast<SymbolId>(i % 64);
  if (bytes == sizeof(QuoteUpdate)) {
    auto& q = *static_cast<QuoteUpdate*>(at);
    init_header(q, symbol, event_time_ns);
    q.bid_price = static_cast<Ticks>(10'000 + (i & 255));
    q.ask_price = q.bid_price + 1;
    q.bid_size = static_cast<Volume>(100 + (i & 15));
    q.ask_size = static_cast<Volume>(200 + (i & 15));
    return;
  }
  auto& s = *static_cast<OrderBookSnapshot*>(at);
  const std::size_t levels = (bytes - snapshot_frame_length(0, 0)) / sizeof(PriceLevel);
  init_header(s, symbol, event_time_ns, bytes);
  s.sequence_number = i;
  s.bid_count = static_cast<std::uint16_t>((levels + 1) / 2);
  s.ask_count = static_cast<std::uint16_t>(levels / 2);
  s.reserved = 0;
  for (std::size_t l = 0; l < levels; ++l) {
    s.levels[l].price = static_cast<Ticks>(10'000 + l);
    s.levels[l].quantity = static_cast<Volume>(i + l);
  }
}

// The 64-byte message the baselines (boost::lockfree::spsc_queue, pipe, socket)
// move: a QuoteUpdate, the same bytes the ring's 64-byte frame carries.
using Frame64 = QuoteUpdate;
static_assert(sizeof(Frame64) == 64);

}  // namespace ringside::bench
