// FlatBuffers form of the events (the nine market events and the five analytics
// records; core/schema/events.fbs), for gateway binary frames and Kafka values:
// encode a binary frame, decode back to one.
//
// Each message is a ringside.fb.Event table (file identifier "RSEV") holding the
// header fields, the symbol's ticker and tick size (so a consumer needs no symbol
// table) and the event body as a union. Decoding verifies the buffer first:
// malformed input is an error, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "ringside/core/events.hpp"
#include "ringside/core/frame_check.hpp"
#include "ringside/core/instrument.hpp"
#include "ringside/core/json_encoder.hpp"  // Encoded

namespace ringside {

class FlatBuffersEncoder {
 public:
  // The table must outlive the encoder.
  explicit FlatBuffersEncoder(const SymbolTable& symbols);
  ~FlatBuffersEncoder();
  FlatBuffersEncoder(const FlatBuffersEncoder&) = delete;
  FlatBuffersEncoder& operator=(const FlatBuffersEncoder&) = delete;

  // The returned bytes stay valid until the next encode() call.
  Encoded encode(const void* frame, std::size_t size) noexcept;
  Encoded encode(const FrameHeader& frame) noexcept { return encode(&frame, frame.length); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Decodes one Event message into `out`. symbol_count bounds the symbol id as in
// check_frame; the ticker and tick size in the message are informational.
FrameError decode_flatbuffer(std::span<const std::uint8_t> message, FrameBuffer& out,
                             std::size_t symbol_count) noexcept;

}  // namespace ringside
