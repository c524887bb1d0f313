#include "ringside/core/frame_check.hpp"

#include <cstring>

#include "ringside/core/events.hpp"

namespace ringside {
namespace {

template <class Enum>
constexpr bool within(Enum value, std::uint8_t max) noexcept {
  return static_cast<std::uint8_t>(value) <= max;
}

bool agent_ok(AgentId agent) noexcept { return static_cast<std::uint8_t>(agent_type_of(agent)) <= kMaxAgentType; }

template <EventFrame Event>
const Event& as(const FrameHeader& h) noexcept {
  return *reinterpret_cast<const Event*>(&h);
}

// Precondition: h is aligned and h.length bytes are readable.
FrameError check_body(const FrameHeader& h) noexcept {
  const auto fixed = [&](std::uint32_t expected) {
    return h.length == expected ? FrameError::None : FrameError::BadLength;
  };
  switch (h.type) {
    case EventType::OrderPlaced: {
      if (auto e = fixed(sizeof(OrderPlaced)); e != FrameError::None) return e;
      const auto& e = as<OrderPlaced>(h);
      const bool ok = within(e.side, kMaxSide) && within(e.order_type, kMaxOrderType) &&
                      within(e.time_in_force, kMaxTimeInForce) && agent_ok(e.agent);
      return ok ? FrameError::None : FrameError::BadEnum;
    }
    case EventType::TradeExecuted: {
      if (auto e = fixed(sizeof(TradeExecuted)); e != FrameError::None) return e;
      const auto& e = as<TradeExecuted>(h);
      const bool ok = within(e.aggressor_side, kMaxSide) && agent_ok(e.buyer_agent) && agent_ok(e.seller_agent);
      return ok ? FrameError::None : FrameError::BadEnum;
    }
    case EventType::QuoteUpdate: return fixed(sizeof(QuoteUpdate));
    case EventType::OrderBookSnapshot: {
      if (h.length < offsetof(OrderBookSnapshot, levels)) return FrameError::BadLength;
      const auto& e = as<OrderBookSnapshot>(h);
      if (e.bid_count > kMaxBookDepth || e.ask_count > kMaxBookDepth) return FrameError::TooManyLevels;
      return fixed(snapshot_frame_length(e.bid_count, e.ask_count));
    }
    case EventType::TradingHalt: {
      if (auto e = fixed(sizeof(TradingHalt)); e != FrameError::None) return e;
      const auto& e = as<TradingHalt>(h);
      return within(e.reason, kMaxHaltReason) ? FrameError::None : FrameError::BadEnum;
    }
    case EventType::TradingResume: return fixed(sizeof(TradingResume));
    case EventType::AgentAction: {
      if (h.length < offsetof(AgentAction, details)) return FrameError::BadLength;
      const auto& e = as<AgentAction>(h);
      if (e.detail_count > kMaxAgentDetails) return FrameError::TooManyDetails;
      if (auto err = fixed(agent_action_frame_length(e.detail_count)); err != FrameError::None) return err;
      if (!within(e.action, kMaxAgentActionKind) || !agent_ok(e.agent)) return FrameError::BadEnum;
      for (std::size_t i = 0; i < e.detail_count; ++i) {
        const AgentDetail& d = e.details[i];
        if (!within(d.key, kMaxDetailKey)) return FrameError::BadEnum;
        const auto v = d.value;
        switch (value_kind_of(d.key)) {
          case DetailValueKind::Side: if (v < 0 || v > kMaxSide) return FrameError::BadEnum; break;
          case DetailValueKind::OrderType: if (v < 0 || v > kMaxOrderType) return FrameError::BadEnum; break;
          case DetailValueKind::Strategy: if (v < 0 || v > kMaxStrategy) return FrameError::BadEnum; break;
          case DetailValueKind::Price:
          case DetailValueKind::OrderId:
          case DetailValueKind::Integer: break;
        }
      }
      return FrameError::None;
    }
    case EventType::MarketStats: return fixed(sizeof(MarketStats));
    case EventType::OrderCancelled: {
      if (auto e = fixed(sizeof(OrderCancelled)); e != FrameError::None) return e;
      const auto& e = as<OrderCancelled>(h);
      const bool ok = within(e.side, kMaxSide) && within(e.reason, kMaxCancelReason) && agent_ok(e.agent);
      return ok ? FrameError::None : FrameError::BadEnum;
    }
  }
  return FrameError::UnknownType;
}

}  // namespace

std::string_view to_string(FrameError e) noexcept {
  switch (e) {
    case FrameError::None: return "ok";
    case FrameError::Truncated: return "truncated frame";
    case FrameError::BadLength: return "frame length does not match its type";
    case FrameError::UnknownType: return "unknown event type";
    case FrameError::UnsupportedVersion: return "unsupported schema version";
    case FrameError::UnknownSymbol: return "symbol id not in the symbol table";
    case FrameError::BadEnum: return "enum value out of range";
    case FrameError::TooManyLevels: return "more book levels than kMaxBookDepth";
    case FrameError::TooManyDetails: return "more agent details than kMaxAgentDetails";
    case FrameError::BadEncoding: return "malformed encoding";
  }
  return "unknown frame error";
}

FrameError check_frame(const void* frame, std::size_t size, std::size_t symbol_count) noexcept {
  if (size < sizeof(FrameHeader)) return FrameError::Truncated;
  FrameHeader header;
  std::memcpy(&header, frame, sizeof header);
  if (header.length > size) return FrameError::Truncated;
  if (header.length < sizeof(FrameHeader) || header.length % kFrameAlignment != 0 ||
      header.length > kMaxFrameLength) {
    return FrameError::BadLength;
  }
  const auto type = static_cast<std::uint8_t>(header.type);
  if (type < kMinEventType || type > kMaxEventType) return FrameError::UnknownType;
  if (header.schema_version != kSchemaVersion) return FrameError::UnsupportedVersion;
  if (raw(header.symbol) >= symbol_count) return FrameError::UnknownSymbol;
  // Frames from rings and FrameBuffers are aligned and checked in place; bytes from
  // elsewhere (a file read at any offset) are checked on an aligned copy.
  if (reinterpret_cast<std::uintptr_t>(frame) % kFrameAlignment == 0) {
    return check_body(*static_cast<const FrameHeader*>(frame));
  }
  FrameBuffer copy;
  std::memcpy(copy.bytes, frame, header.length);
  return check_body(copy.header());
}

}  // namespace ringside
