#include "ringside/engine/order_replay.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

#include "ringside/engine/order_request.hpp"

namespace ringside::engine {
namespace {

// Copied out of the caller's bytes: frames in a file's buffer need not be aligned
// for the request type, only for the header.
template <class Frame>
Frame copy_frame(const FrameHeader& h) noexcept {
  Frame frame;
  std::memcpy(&frame, &h, sizeof frame);
  return frame;
}

}  // namespace

RejectReason apply_order_frame(const FrameHeader& frame, Exchange& exchange, std::int64_t now_ns,
                               SubmitResult* result) noexcept {
  SubmitResult out;
  out.reject = malformed_request(frame);
  if (out.reject == RejectReason::None) {
    if (order_entry_type(frame) == OrderEntryType::NewOrder) {
      const auto o = copy_frame<NewOrderRequest>(frame);
      out = exchange.submit(o.header.symbol, to_new_order(o, kOrderFileClient, o.agent), now_ns);
    } else {
      const auto c = copy_frame<CancelOrderRequest>(frame);
      const OrderId id = external_order_id(kOrderFileClient, c.client_order_id);
      out.reject = c.reduce_by == 0 ? exchange.cancel(c.header.symbol, id, now_ns)
                                    : exchange.reduce(c.header.symbol, id, c.reduce_by, now_ns);
    }
    exchange.commit();
  }
  if (result != nullptr) *result = out;
  return out.reject;
}

void check_same_symbols(const SymbolTable& file_symbols, const SymbolTable& exchange_symbols) {
  if (file_symbols.size() != exchange_symbols.size()) {
    throw std::invalid_argument("the order file has " + std::to_string(file_symbols.size()) +
                                " symbols, the exchange " + std::to_string(exchange_symbols.size()));
  }
  for (const Instrument& in : file_symbols) {
    const Instrument& ex = exchange_symbols[in.id];
    if (in.ticker != ex.ticker || !(in.scale == ex.scale)) {
      throw std::invalid_argument("symbol " + std::to_string(raw(in.id)) + " is " + in.ticker +
                                  " in the order file and " + ex.ticker +
                                  " in the exchange (or their tick sizes differ)");
    }
  }
}

ReplayReport replay_order_file(const OrderFile& file, Exchange& exchange, std::int64_t start_ns,
                               const ReplayProgress& progress, std::uint64_t progress_every) {
  check_same_symbols(file.symbols, exchange.symbols());
  ReplayReport report;
  const auto started = std::chrono::steady_clock::now();
  const auto finish = [&] {
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  std::int64_t now_ns = start_ns;
  std::size_t at = 0;
  while (at + sizeof(FrameHeader) <= file.frames.size()) {
    FrameHeader header;
    std::memcpy(&header, file.frames.data() + at, sizeof header);
    if (header.length < sizeof header || header.length > file.frames.size() - at) {
      // read_order_file checked every frame; a file built in memory may not have been.
      throw std::invalid_argument("order file frame " + std::to_string(report.frames) + " at byte " +
                                  std::to_string(at) + " has length " + std::to_string(header.length));
    }
    // The largest request, copied out whole, so the frame is aligned whatever the buffer.
    NewOrderRequest frame{};
    std::memcpy(&frame, file.frames.data() + at, std::min<std::size_t>(header.length, sizeof frame));

    const std::int64_t frame_ns =
        header.event_time_ns != 0 ? header.event_time_ns : start_ns + static_cast<std::int64_t>(report.frames);
    now_ns = report.frames == 0 ? frame_ns : std::max(now_ns, frame_ns);
    if (report.frames == 0) report.first_event_ns = now_ns;
    report.last_event_ns = now_ns;

    SubmitResult result;
    const RejectReason reject = apply_order_frame(frame.header, exchange, now_ns, &result);
    if (order_entry_type(header) == OrderEntryType::NewOrder) {
      ++report.orders;
      if (result.filled > 0) {
        ++report.filled_orders;
        report.filled_quantity += result.filled;
      }
    } else if (order_entry_type(header) == OrderEntryType::CancelOrder) {
      const bool reduce = copy_frame<CancelOrderRequest>(frame.header).reduce_by > 0;
      ++(reduce ? report.reduces : report.cancels);
    }
    if (reject != RejectReason::None) {
      ++report.rejected;
      ++report.rejected_by_reason[static_cast<std::uint8_t>(reject)];
    }
    ++report.frames;
    at += header.length;
    if (progress && progress_every > 0 && report.frames % progress_every == 0) {
      finish();
      progress(report);
    }
  }
  finish();
  if (progress) progress(report);
  return report;
}

}  // namespace ringside::engine
