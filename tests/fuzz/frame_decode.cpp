// Fuzzer: core's frame decoding on arbitrary bytes. The input is tried
//   - as one binary frame: check_frame, then (when it passes) the JSON and
//     FlatBuffers encoders, which must then succeed, and the tools' text and CSV
//     renderers (`ringside tail`, `export --format csv`);
//   - as a FlatBuffers Event message: decode_flatbuffer, then the decoded frame
//     must pass check_frame and encode again (JSON and FlatBuffers).
// The symbol table is config/test.toml's (embedded), so symbol ids 0 and 1 exist.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "fuzz_util.hpp"
#include "ringside/core/embedded_config.hpp"
#include "ringside/core/events.hpp"
#include "ringside/core/flatbuffers_codec.hpp"
#include "ringside/core/frame_check.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/tools/event_csv.hpp"
#include "ringside/tools/event_text.hpp"

namespace {

struct Context {
  ringside::ExchangeConfig config = ringside::embedded_test_config();
  ringside::JsonEncoder json{config.symbols};
  ringside::FlatBuffersEncoder flatbuffers{config.symbols};
  ringside::tools::EventText text{&config.symbols};
  ringside::tools::EventText bare_text{nullptr};  // no symbol table: tickers as #ID, prices in ticks
  ringside::tools::EventCsv csv{config.symbols};
  std::unique_ptr<char[]> rows{new char[ringside::tools::EventCsv::kMaxRowsBytes]};
  ringside::FrameBuffer frame{};
};

Context& context() {
  static Context* c = new Context();  // never destroyed: no exit-time order issues
  return *c;
}

void encode_checked(Context& c, const void* frame, std::size_t size) {
  if (!c.json.encode(frame, size)) ringside::fuzz::invariant_failed("JSON encoder refused a frame check_frame accepted");
  if (!c.flatbuffers.encode(frame, size)) {
    ringside::fuzz::invariant_failed("FlatBuffers encoder refused a frame check_frame accepted");
  }
  const auto& header = *static_cast<const ringside::FrameHeader*>(frame);
  (void)c.text.render(header);
  (void)c.bare_text.render(header);
  std::size_t rows = 0;
  const char* end = c.csv.write_rows(c.rows.get(), header, rows);
  if (end < c.rows.get() || end > c.rows.get() + ringside::tools::EventCsv::kMaxRowsBytes) {
    ringside::fuzz::invariant_failed("CSV rows outside their buffer");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Context& c = context();
  const std::size_t symbols = c.config.symbols.size();

  // 1. As a binary frame, at an aligned address (as a ring or capture reader holds it).
  if (size <= sizeof c.frame.bytes) {
    std::memset(c.frame.bytes, 0, sizeof c.frame.bytes);
    std::memcpy(c.frame.bytes, data, size);
    // The encoders are given exactly `size` readable bytes: a copy of its own.
    auto exact = std::make_unique<std::byte[]>(size == 0 ? 1 : size);
    std::memcpy(exact.get(), data, size);
    if (ringside::check_frame(exact.get(), size, symbols) == ringside::FrameError::None) {
      encode_checked(c, c.frame.bytes, size);
    } else {
      // Refused frames must be refused by the encoders too, never read past `size`.
      if (c.json.encode(exact.get(), size)) ringside::fuzz::invariant_failed("JSON encoder accepted a bad frame");
      if (c.flatbuffers.encode(exact.get(), size)) ringside::fuzz::invariant_failed("FlatBuffers encoder accepted a bad frame");
    }
  }

  // 2. As a FlatBuffers message.
  const std::span<const std::uint8_t> message(data, size);
  if (ringside::decode_flatbuffer(message, c.frame, symbols) == ringside::FrameError::None) {
    const auto& header = c.frame.header();
    if (ringside::check_frame(c.frame.bytes, header.length, symbols) != ringside::FrameError::None) {
      ringside::fuzz::invariant_failed("decode_flatbuffer produced a frame check_frame refuses");
    }
    encode_checked(c, c.frame.bytes, header.length);
  }
  return 0;
}
