// Frames for the ring tests whose every byte derives from the ring sequence, so
// a torn frame (bytes of two different frames) or a mislabelled one is detected.
//
// The writer assigns header.sequence at commit; before commit the writer's own
// counter (RingWriter::next_sequence() + index in the batch) is that same number,
// so the payload is filled from it and checked against header.sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "ringside/core/events.hpp"

namespace ringside::shm::test {

// Which frame lengths a stream uses: 64 (OrderPlaced), 256 (OrderBookSnapshot with
// 13 levels) or a deterministic mix of both, chosen by sequence so readers know it.
enum class FrameMix { Small, Large, Mixed };

inline constexpr std::uint32_t kSmallFrame = 64;
inline constexpr std::uint32_t kLargeFrame = 256;
inline constexpr std::size_t kLargeBids = 6;
inline constexpr std::size_t kLargeAsks = 7;
static_assert(sizeof(OrderPlaced) == kSmallFrame);
static_assert(snapshot_frame_length(kLargeBids, kLargeAsks) == kLargeFrame);

inline bool parse_mix(const std::string& s, FrameMix& out) {
  if (s == "64") out = FrameMix::Small;
  else if (s == "256") out = FrameMix::Large;
  else if (s == "mixed") out = FrameMix::Mixed;
  else return false;
  return true;
}

constexpr std::uint32_t frame_length(FrameMix mix, std::uint64_t seq) noexcept {
  switch (mix) {
    case FrameMix::Small: return kSmallFrame;
    case FrameMix::Large: return kLargeFrame;
    case FrameMix::Mixed: return seq % 5 == 2 || seq % 11 == 0 ? kLargeFrame : kSmallFrame;
  }
  return kSmallFrame;
}

// Writes the whole frame for `seq` (every byte, reserved ones too) at `at`.
inline void fill_frame(void* at, std::uint32_t length, std::uint64_t seq) noexcept {
  const auto symbol = SymbolId{static_cast<std::uint16_t>(seq * 13)};
  const auto event_time = static_cast<std::int64_t>(seq * 11);
  if (length == kSmallFrame) {
    OrderPlaced e{};
    init_header(e, symbol, event_time);
    e.order_id = OrderId{seq};
    e.price = static_cast<Ticks>(seq * 3);
    e.quantity = static_cast<Quantity>(seq * 5);
    e.agent = AgentId{static_cast<std::uint32_t>(seq * 7)};
    e.side = static_cast<Side>(seq & 1);
    e.order_type = static_cast<OrderType>((seq >> 1) & 1);
    e.time_in_force = static_cast<TimeInForce>(seq % 3);
    std::memcpy(at, &e, sizeof e);
    return;
  }
  OrderBookSnapshot s;
  std::memset(static_cast<void*>(&s), 0, kLargeFrame);
  init_header(s, symbol, event_time, kLargeFrame);
  s.sequence_number = seq;
  s.bid_count = kLargeBids;
  s.ask_count = kLargeAsks;
  s.reserved = static_cast<std::uint32_t>(seq ^ 0x5a5a5a5au);
  for (std::size_t i = 0; i < kLargeBids + kLargeAsks; ++i) {
    s.levels[i].price = static_cast<Ticks>(seq * 3 + i);
    s.levels[i].quantity = static_cast<Volume>(seq * 17 + i);
  }
  std::memcpy(at, &s, kLargeFrame);
}

// Empty if `frame` is exactly what fill_frame wrote for its sequence (with the
// length `mix` prescribes for that sequence); otherwise what is wrong.
inline std::string check_frame(const FrameHeader& frame, FrameMix mix) {
  const std::uint64_t seq = frame.sequence;
  const std::uint32_t length = frame_length(mix, seq);
  if (frame.length != length) {
    return "sequence " + std::to_string(seq) + ": length " + std::to_string(frame.length) + ", expected " +
           std::to_string(length);
  }
  alignas(kFrameAlignment) std::byte expected[kLargeFrame];
  fill_frame(expected, length, seq);
  // The writer fills sequence at commit; publish_time_ns stays 0 (commit() without a time).
  reinterpret_cast<FrameHeader*>(expected)->sequence = seq;
  if (std::memcmp(expected, &frame, length) != 0) {
    std::size_t at = 0;
    while (at < length && reinterpret_cast<const std::byte*>(&frame)[at] == expected[at]) ++at;
    return "sequence " + std::to_string(seq) + ": byte " + std::to_string(at) + " differs from the frame's own sequence";
  }
  return {};
}

}  // namespace ringside::shm::test
