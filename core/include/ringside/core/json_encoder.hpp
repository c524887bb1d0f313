// The seed's JSON envelope (seeds/000 sections 2.2 and 6.1), made once per event
// at the edge:
//
//   {"event_type":"TradeExecuted","timestamp":"2026-02-18T14:30:00.123789Z",
//    "seq":4711,"data":{...}}
//
// Written straight into a buffer the encoder owns and reuses: no DOM, no
// allocation per event, prices printed exactly from ticks with the symbol's
// decimals. The returned view stays valid until the next encode() call.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "ringside/core/frame.hpp"
#include "ringside/core/frame_check.hpp"
#include "ringside/core/instrument.hpp"
#include "ringside/core/iso_time.hpp"

namespace ringside {

struct FrameBuffer;

// Appends `text` as a JSON string, quotes included: quotes, backslashes and
// control characters escaped. For the JSON the edge processes make themselves
// (replies, notices, tool output); events go through JsonEncoder.
void append_json_string(std::string& out, std::string_view text);

struct Encoded {
  std::string_view bytes;
  FrameError error = FrameError::None;
  explicit operator bool() const noexcept { return error == FrameError::None; }
};

struct JsonOptions {
  bool include_seq = true;  // the top-level "seq" (ring sequence) for gap detection
};

class JsonEncoder {
 public:
  // The table must outlive the encoder.
  explicit JsonEncoder(const SymbolTable& symbols, JsonOptions options = {});
  ~JsonEncoder();
  JsonEncoder(const JsonEncoder&) = delete;
  JsonEncoder& operator=(const JsonEncoder&) = delete;

  // `size` is the number of bytes readable at `frame` (at least header.length).
  Encoded encode(const void* frame, std::size_t size) noexcept;
  Encoded encode(const FrameHeader& frame) noexcept { return encode(&frame, frame.length); }

  // Upper bound of one encoded event, whatever its contents.
  static constexpr std::size_t kMaxEncodedLength = 16 * 1024;

 private:
  struct SymbolText;
  const SymbolTable& symbols_;
  JsonOptions options_;
  std::unique_ptr<SymbolText[]> symbol_text_;  // pre-escaped tickers
  std::unique_ptr<char[]> buffer_;
  std::unique_ptr<FrameBuffer> aligned_copy_;  // for frames handed over at an unaligned address
  IsoTimestampWriter timestamps_;
};

}  // namespace ringside
