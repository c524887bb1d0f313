#include "ringside/core/frame_check.hpp"

#include <cstring>
#include <string_view>

#include "ringside/core/derived.hpp"
#include "ringside/core/events.hpp"

namespace ringside {
namespace {

// NUL-terminated within the field, zeros after the text (so equal records are
// equal bytes), and printable UTF-8.
template <std::size_t N>
bool text_ok(const char (&field)[N]) noexcept {
  const std::string_view text = text_of(field);
  if (text.size() >= N) return false;
  for (std::size_t i = text.size(); i < N; ++i) {
    if (field[i] != '\0') return false;
  }
  return printable_utf8(text);
}

FrameError window_ok(std::int64_t start, std::int64_t end, std::uint8_t flags) noexcept {
  std::int64_t length = 0;  // the encoders print end - start (window_size): it must be representable
  if (end <= start || __builtin_sub_overflow(end, start, &length) || (flags & ~kKnownRecordFlags) != 0) {
    return FrameError::BadValue;
  }
  return FrameError::None;
}

// Precondition: h is aligned and h.length bytes are readable.
FrameError check_body(const FrameHeader& h) noexcept {
  const auto fixed = [&](std::uint32_t expected) {
    return h.length == expected ? FrameError::None : FrameError::BadLength;
  };
  switch (h.type) {
    case EventType::OrderPlaced: {
      if (auto e = fixed(sizeof(OrderPlaced)); e != FrameError::None) return e;
      const auto& e = event_cast<OrderPlaced>(h);
      const bool ok = enum_within(e.side, kMaxSide) && enum_within(e.order_type, kMaxOrderType) &&
                      enum_within(e.time_in_force, kMaxTimeInForce) && agent_type_valid(e.agent);
      return ok ? FrameError::None : FrameError::BadEnum;
    }
    case EventType::TradeExecuted: {
      if (auto e = fixed(sizeof(TradeExecuted)); e != FrameError::None) return e;
      const auto& e = event_cast<TradeExecuted>(h);
      const bool ok = enum_within(e.aggressor_side, kMaxSide) && agent_type_valid(e.buyer_agent) &&
                      agent_type_valid(e.seller_agent);
      return ok ? FrameError::None : FrameError::BadEnum;
    }
    case EventType::QuoteUpdate: return fixed(sizeof(QuoteUpdate));
    case EventType::OrderBookSnapshot: {
      if (h.length < offsetof(OrderBookSnapshot, levels)) return FrameError::BadLength;
      const auto& e = event_cast<OrderBookSnapshot>(h);
      if (e.bid_count > kMaxBookDepth || e.ask_count > kMaxBookDepth) return FrameError::TooManyLevels;
      return fixed(snapshot_frame_length(e.bid_count, e.ask_count));
    }
    case EventType::TradingHalt: {
      if (auto e = fixed(sizeof(TradingHalt)); e != FrameError::None) return e;
      const auto& e = event_cast<TradingHalt>(h);
      return enum_within(e.reason, kMaxHaltReason) ? FrameError::None : FrameError::BadEnum;
    }
    case EventType::TradingResume: return fixed(sizeof(TradingResume));
    case EventType::AgentAction: {
      if (h.length < offsetof(AgentAction, details)) return FrameError::BadLength;
      const auto& e = event_cast<AgentAction>(h);
      if (e.detail_count > kMaxAgentDetails) return FrameError::TooManyDetails;
      if (auto err = fixed(agent_action_frame_length(e.detail_count)); err != FrameError::None) return err;
      if (!enum_within(e.action, kMaxAgentActionKind) || !agent_type_valid(e.agent)) return FrameError::BadEnum;
      for (std::size_t i = 0; i < e.detail_count; ++i) {
        const AgentDetail& d = e.details[i];
        if (!enum_within(d.key, kMaxDetailKey)) return FrameError::BadEnum;
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
      const auto& e = event_cast<OrderCancelled>(h);
      const bool ok = enum_within(e.side, kMaxSide) && enum_within(e.reason, kMaxCancelReason) &&
                      agent_type_valid(e.agent);
      return ok ? FrameError::None : FrameError::BadEnum;
    }
    case EventType::TradeAggregate: {
      if (auto e = fixed(sizeof(TradeAggregate)); e != FrameError::None) return e;
      const auto& e = event_cast<TradeAggregate>(h);
      return window_ok(e.window_start_ns, e.window_end_ns, e.flags);
    }
    case EventType::PriceAlert: {
      if (auto e = fixed(sizeof(PriceAlert)); e != FrameError::None) return e;
      const auto& e = event_cast<PriceAlert>(h);
      const bool ok = enum_within(e.kind, kMaxAlertKind) && enum_within(e.direction, kMaxAlertDirection) &&
                      enum_within(e.severity, kMaxAlertSeverity);
      return ok ? FrameError::None : FrameError::BadEnum;
    }
    case EventType::OrderBookMetrics: {
      if (auto e = fixed(sizeof(OrderBookMetrics)); e != FrameError::None) return e;
      const auto& e = event_cast<OrderBookMetrics>(h);
      if (e.bid_levels > kMaxBookDepth || e.ask_levels > kMaxBookDepth) return FrameError::TooManyLevels;
      return FrameError::None;
    }
    case EventType::EnrichedTrade: {
      if (auto e = fixed(sizeof(EnrichedTrade)); e != FrameError::None) return e;
      const auto& e = event_cast<EnrichedTrade>(h);
      if (!enum_within(e.aggressor_side, kMaxSide) || !agent_type_valid(e.buyer_agent) ||
          !agent_type_valid(e.seller_agent)) {
        return FrameError::BadEnum;
      }
      if (e.reference_found > 1) return FrameError::BadValue;
      const bool texts = text_ok(e.company_name) && text_ok(e.sector) && text_ok(e.industry) &&
                         text_ok(e.market_cap_tier) && text_ok(e.listed_exchange);
      return texts ? FrameError::None : FrameError::BadText;
    }
    case EventType::OrderFlowImbalance: {
      if (auto e = fixed(sizeof(OrderFlowImbalance)); e != FrameError::None) return e;
      const auto& e = event_cast<OrderFlowImbalance>(h);
      // The encoders print ofi_normalized_of, computed in 128 bits: a record where
      // that overflows is out of range, not something to print.
      if (e.depth_sum > 0 && e.update_count != 0 && !ofi_normalized_numerator(e)) return FrameError::BadValue;
      return window_ok(e.window_start_ns, e.window_end_ns, e.flags);
    }
  }
  return FrameError::UnknownType;
}

}  // namespace

bool printable_utf8(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
      cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0u) != 0x80u) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    const std::uint32_t min = extra == 1 ? 0x80u : extra == 2 ? 0x800u : 0x10000u;
    if (cp < min || cp > 0x10ffffu || (cp >= 0xd800u && cp <= 0xdfffu)) return false;
    if (cp >= 0x80u && cp <= 0x9fu) return false;  // C1 controls
    i += extra + 1;
  }
  return true;
}

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
    case FrameError::BadValue: return "field value out of range";
    case FrameError::BadText: return "text field not NUL-padded printable UTF-8";
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
