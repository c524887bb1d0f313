#include "ringside/engine/order_replay.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ringside::engine {
namespace {

bool client_order_id_ok(std::uint64_t id) noexcept { return id != 0 && id <= kMaxClientOrderId; }

// Copied out of the caller's bytes: frames in a file's buffer need not be aligned
// for the request type, only for the header.
template <class Frame>
Frame copy_frame(const FrameHeader& h) noexcept {
  Frame frame;
  std::memcpy(&frame, &h, sizeof frame);
  return frame;
}

RejectReason apply_new_order(const NewOrderRequest& o, Exchange& exchange, std::int64_t now_ns,
                             SubmitResult* result) noexcept {
  SubmitResult ignored;
  SubmitResult& out = result != nullptr ? *result : ignored;
  out = SubmitResult{};
  if (static_cast<std::uint8_t>(o.side) > kMaxSide || static_cast<std::uint8_t>(o.order_type) > kMaxOrderType ||
      static_cast<std::uint8_t>(o.time_in_force) > kMaxTimeInForce) {
    out.reject = RejectReason::BadRequest;
    return out.reject;
  }
  if (!client_order_id_ok(o.client_order_id)) {
    out.reject = RejectReason::BadOrderId;
    return out.reject;
  }
  NewOrder order;
  order.id = external_order_id(kOrderFileClient, o.client_order_id);
  order.agent = o.agent;
  order.side = o.side;
  order.type = o.order_type;
  order.time_in_force = o.time_in_force;
  order.price = o.price;
  order.quantity = o.quantity;
  out = exchange.submit(o.header.symbol, order, now_ns);
  exchange.commit();
  return out.reject;
}

RejectReason apply_cancel(const CancelOrderRequest& c, Exchange& exchange, std::int64_t now_ns) noexcept {
  if (!client_order_id_ok(c.client_order_id)) return RejectReason::BadOrderId;
  const OrderId id = external_order_id(kOrderFileClient, c.client_order_id);
  const RejectReason reject = c.reduce_by == 0 ? exchange.cancel(c.header.symbol, id, now_ns)
                                               : exchange.reduce(c.header.symbol, id, c.reduce_by, now_ns);
  exchange.commit();
  return reject;
}

}  // namespace

RejectReason apply_order_frame(const FrameHeader& frame, Exchange& exchange, std::int64_t now_ns,
                               SubmitResult* result) noexcept {
  if (result != nullptr) *result = SubmitResult{};
  RejectReason reject = RejectReason::BadRequest;
  if (frame.type == static_cast<EventType>(OrderEntryType::NewOrder) && frame.length == sizeof(NewOrderRequest)) {
    return apply_new_order(copy_frame<NewOrderRequest>(frame), exchange, now_ns, result);
  }
  if (frame.type == static_cast<EventType>(OrderEntryType::CancelOrder) &&
      frame.length == sizeof(CancelOrderRequest)) {
    reject = apply_cancel(copy_frame<CancelOrderRequest>(frame), exchange, now_ns);
  }
  if (result != nullptr) result->reject = reject;
  return reject;
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
