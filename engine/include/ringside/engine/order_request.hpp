// Order-entry frames as the exchange sees them, for every source that sends them
// (client rings, order files): one check of the frame itself and one mapping to
// the book's NewOrder.
#pragma once

#include <cstring>

#include "ringside/core/order_entry.hpp"
#include "ringside/engine/order_book.hpp"

namespace ringside::engine {

// Why a request cannot be applied at all: BadRequest for a type, length or enum
// value out of range, BadOrderId for a client order id of 0 or above
// kMaxClientOrderId; None when well formed. Symbols, prices and quantities are
// the Exchange's to judge (it names the precise reason). `frame` may be unaligned
// for the request type: fields are copied out.
inline RejectReason malformed_request(const FrameHeader& frame) noexcept {
  std::uint64_t client_order_id = 0;
  switch (order_entry_type(frame)) {
    case OrderEntryType::NewOrder: {
      if (frame.length != sizeof(NewOrderRequest)) return RejectReason::BadRequest;
      NewOrderRequest o;
      std::memcpy(&o, &frame, sizeof o);
      if (static_cast<std::uint8_t>(o.side) > kMaxSide || static_cast<std::uint8_t>(o.order_type) > kMaxOrderType ||
          static_cast<std::uint8_t>(o.time_in_force) > kMaxTimeInForce) {
        return RejectReason::BadRequest;
      }
      client_order_id = o.client_order_id;
      break;
    }
    case OrderEntryType::CancelOrder: {
      if (frame.length != sizeof(CancelOrderRequest)) return RejectReason::BadRequest;
      CancelOrderRequest c;
      std::memcpy(&c, &frame, sizeof c);
      client_order_id = c.client_order_id;
      break;
    }
    default:
      return RejectReason::BadRequest;
  }
  if (client_order_id == 0 || client_order_id > kMaxClientOrderId) return RejectReason::BadOrderId;
  return RejectReason::None;
}

// The book's order for a well-formed request of client `client`, placed by `agent`.
inline NewOrder to_new_order(const NewOrderRequest& request, std::uint32_t client, AgentId agent) noexcept {
  return NewOrder{external_order_id(client, request.client_order_id),
                  agent,
                  request.side,
                  request.order_type,
                  request.time_in_force,
                  request.price,
                  request.quantity};
}

}  // namespace ringside::engine
