// --from and --to of the commands that read captures: a ring sequence number
// or an instant in UTC.
//
//   "4711"                           sequence 4711
//   "2026-02-18T14:30:00Z"           event time, whole seconds
//   "2026-02-18T14:30:00.123456Z"    ... with a fraction of 1 to 9 digits (the Z may be left out)
//
// A sequence is compared with FrameHeader::sequence, a time with event_time_ns.
// Both ends are inclusive.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ringside/core/frame.hpp"

namespace ringside::tools {

struct CapturePoint {
  enum class Kind { Sequence, Time } kind = Kind::Sequence;
  std::uint64_t sequence = 0;
  std::int64_t time_ns = 0;

  bool before(const FrameHeader& f) const noexcept {  // the frame comes before a --from point
    return kind == Kind::Sequence ? f.sequence < sequence : f.event_time_ns < time_ns;
  }
  bool after(const FrameHeader& f) const noexcept {  // the frame comes after a --to point
    return kind == Kind::Sequence ? f.sequence > sequence : f.event_time_ns > time_ns;
  }
};

// Throws InputError "OPTION: 'TEXT' is neither a sequence number nor a UTC time (...)".
CapturePoint parse_capture_point(std::string_view text, std::string_view option);

std::string to_string(const CapturePoint& point);  // "sequence 4711" or "2026-02-18T14:30:00.000000Z"

}  // namespace ringside::tools
