#include "ringside/core/order_entry.hpp"

namespace ringside {

std::string_view to_string(RejectReason reason) noexcept {
  switch (reason) {
    case RejectReason::None: return "None";
    case RejectReason::UnknownSymbol: return "UnknownSymbol";
    case RejectReason::BadPrice: return "BadPrice";
    case RejectReason::PriceOffTick: return "PriceOffTick";
    case RejectReason::BadQuantity: return "BadQuantity";
    case RejectReason::SymbolHalted: return "SymbolHalted";
    case RejectReason::UnknownOrder: return "UnknownOrder";
    case RejectReason::ReplyRingFull: return "ReplyRingFull";
    case RejectReason::DuplicateOrderId: return "DuplicateOrderId";
    case RejectReason::BadOrderId: return "BadOrderId";
    case RejectReason::BookFull: return "BookFull";
    case RejectReason::BadRequest: return "BadRequest";
  }
  return "";
}

std::string_view to_string(ExecType type) noexcept {
  switch (type) {
    case ExecType::New: return "NEW";
    case ExecType::PartiallyFilled: return "PARTIALLY_FILLED";
    case ExecType::Filled: return "FILLED";
    case ExecType::Cancelled: return "CANCELLED";
    case ExecType::Rejected: return "REJECTED";
  }
  return "";
}

}  // namespace ringside
