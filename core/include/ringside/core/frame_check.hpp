// Validation of frames that come from outside the process: a ring written by
// another program, a capture file, a decoded FlatBuffer. Encoders and readers
// check a frame before they trust its lengths, counts and enum values, so bad
// input yields an error naming the problem instead of a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ringside/core/frame.hpp"

namespace ringside {

enum class FrameError : std::uint8_t {
  None = 0,
  Truncated,           // fewer bytes than a header, or than the header's length
  BadLength,           // length not a multiple of kFrameAlignment or not this type's length
  UnknownType,
  UnsupportedVersion,
  UnknownSymbol,       // symbol id outside the symbol table
  BadEnum,             // a side, order type, reason... outside its enum
  TooManyLevels,       // snapshot bid_count or ask_count above kMaxBookDepth
  TooManyDetails,      // agent action detail_count above kMaxAgentDetails
  BadEncoding,         // a FlatBuffer that fails verification or does not match its type
  BadValue,            // a field outside its range: a window ending before it starts, unknown flag bits
  BadText,             // a text field not NUL-terminated and zero-padded, not UTF-8, or with control characters
};

std::string_view to_string(FrameError) noexcept;

// Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF)
// without control characters: what JSON and FlatBuffers strings can carry as
// is, and what check_frame requires of a record's text fields.
bool printable_utf8(std::string_view text) noexcept;

// Checks `size` bytes at `frame` hold one whole, well-formed event frame whose
// symbol id is below symbol_count.
FrameError check_frame(const void* frame, std::size_t size, std::size_t symbol_count) noexcept;

}  // namespace ringside
