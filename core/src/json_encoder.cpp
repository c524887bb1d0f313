#include "ringside/core/json_encoder.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

#include "ringside/core/enums.hpp"
#include "ringside/core/events.hpp"
#include "ringside/core/iso_time.hpp"
#include "ringside/core/uuid.hpp"
#include "wide_int.hpp"

namespace ringside {

using detail::Int128;
using detail::UInt128;

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
}

struct JsonEncoder::SymbolText {
  std::string quoted;  // "AAPL" with quotes, JSON-escaped
  PriceScale scale;
};

namespace {

constexpr std::uint64_t kPow10[20] = {1ull,
                                      10ull,
                                      100ull,
                                      1000ull,
                                      10000ull,
                                      100000ull,
                                      1000000ull,
                                      10000000ull,
                                      100000000ull,
                                      1000000000ull,
                                      10000000000ull,
                                      100000000000ull,
                                      1000000000000ull,
                                      10000000000000ull,
                                      100000000000000ull,
                                      1000000000000000ull,
                                      10000000000000000ull,
                                      100000000000000000ull,
                                      1000000000000000000ull,
                                      10000000000000000000ull};

std::string json_quote(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

// Appends JSON text at a cursor. The caller guarantees room: one event never
// exceeds JsonEncoder::kMaxEncodedLength, so there are no bounds checks per byte.
class Writer {
 public:
  explicit Writer(char* out) noexcept : p_(out) {}
  char* position() const noexcept { return p_; }

  template <std::size_t N>
  void literal(const char (&text)[N]) noexcept {
    std::memcpy(p_, text, N - 1);
    p_ += N - 1;
  }
  void text(std::string_view s) noexcept {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void quoted(std::string_view s) noexcept {  // for our own enum spellings: nothing to escape
    *p_++ = '"';
    text(s);
    *p_++ = '"';
  }
  void integer(std::uint64_t v) noexcept { p_ = std::to_chars(p_, p_ + 20, v).ptr; }
  void integer(std::int64_t v) noexcept { p_ = std::to_chars(p_, p_ + 20, v).ptr; }
  void integer(std::uint32_t v) noexcept { integer(std::uint64_t{v}); }
  void integer(std::int32_t v) noexcept { integer(std::int64_t{v}); }

  // An exact decimal: value * 10^-decimals, with exactly `decimals` fraction digits.
  void decimal(Int128 value, unsigned decimals) noexcept {
    if (value < 0) *p_++ = '-';
    const UInt128 magnitude = value < 0 ? UInt128(0) - static_cast<UInt128>(value) : static_cast<UInt128>(value);
    const std::uint64_t scale = kPow10[decimals];
    std::uint64_t fraction;
    if (magnitude <= UINT64_MAX) {  // every real price: 64-bit division, not the 128-bit library call
      const auto m = static_cast<std::uint64_t>(magnitude);
      integer(m / scale);
      fraction = m % scale;
    } else {
      unsigned_integer(magnitude / scale);
      fraction = static_cast<std::uint64_t>(magnitude % scale);
    }
    if (decimals == 0) return;
    *p_++ = '.';
    for (unsigned i = decimals; i-- > 0;) {
      p_[i] = static_cast<char>('0' + fraction % 10);
      fraction /= 10;
    }
    p_ += decimals;
  }

  void price(Ticks ticks, const PriceScale& scale) noexcept {
    decimal(static_cast<Int128>(ticks) * scale.tick_units, scale.decimals);
  }
  void uuid(UuidKind kind, std::uint64_t id) noexcept {
    *p_++ = '"';
    write_uuid(p_, kind, id);
    p_ += kUuidLength;
    *p_++ = '"';
  }
  void timestamp(std::int64_t ns) noexcept {
    *p_++ = '"';
    write_iso_timestamp(p_, ns);
    p_ += kIsoTimestampLength;
    *p_++ = '"';
  }
  void timestamp(IsoTimestampWriter& cache, std::int64_t ns) noexcept {
    *p_++ = '"';
    cache.write(p_, ns);
    p_ += kIsoTimestampLength;
    *p_++ = '"';
  }
  // "retail-0042".
  void agent(AgentId id) noexcept {
    AgentIdText text_buffer;
    *p_++ = '"';
    text(format_agent_id(id, text_buffer));
    *p_++ = '"';
  }

 private:
  void unsigned_integer(UInt128 v) noexcept {
    if (v <= UINT64_MAX) {
      integer(static_cast<std::uint64_t>(v));
      return;
    }
    // Above 2^64 only with absurd prices; print as two 19-digit halves.
    integer(static_cast<std::uint64_t>(v / kPow10[19]));
    auto low = static_cast<std::uint64_t>(v % kPow10[19]);
    for (int i = 19; i-- > 0;) {
      p_[i] = static_cast<char>('0' + low % 10);
      low /= 10;
    }
    p_ += 19;
  }

  char* p_;
};

// Round-half-away-from-zero division, for VWAP.
Int128 divide_rounded(Int128 numerator, Int128 denominator) noexcept {
  const bool negative = (numerator < 0) != (denominator < 0);
  const UInt128 n = numerator < 0 ? UInt128(0) - static_cast<UInt128>(numerator) : static_cast<UInt128>(numerator);
  const UInt128 d = denominator < 0 ? UInt128(0) - static_cast<UInt128>(denominator) : static_cast<UInt128>(denominator);
  const auto q = static_cast<Int128>((n + d / 2) / d);
  return negative ? -q : q;
}

constexpr unsigned kVwapExtraDecimals = 4;

template <EventFrame Event>
const Event& as(const FrameHeader& h) noexcept {
  return *reinterpret_cast<const Event*>(&h);
}

void write_data(Writer& w, const FrameHeader& h, const std::string& symbol, const PriceScale& scale) noexcept {
  switch (h.type) {
    case EventType::OrderPlaced: {
      const auto& e = as<OrderPlaced>(h);
      w.literal("{\"order_id\":");
      w.uuid(UuidKind::Order, raw(e.order_id));
      w.literal(",\"symbol\":");
      w.text(symbol);
      w.literal(",\"side\":");
      w.quoted(to_string(e.side));
      w.literal(",\"order_type\":");
      w.quoted(to_string(e.order_type));
      w.literal(",\"price\":");
      w.price(e.price, scale);
      w.literal(",\"quantity\":");
      w.integer(e.quantity);
      w.literal(",\"agent_id\":");
      w.agent(e.agent);
      w.literal(",\"agent_type\":");
      w.quoted(to_string(agent_type_of(e.agent)));
      w.literal("}");
      return;
    }
    case EventType::TradeExecuted: {
      const auto& e = as<TradeExecuted>(h);
      w.literal("{\"trade_id\":");
      w.uuid(UuidKind::Trade, raw(e.trade_id));
      w.literal(",\"symbol\":");
      w.text(symbol);
      w.literal(",\"price\":");
      w.price(e.price, scale);
      w.literal(",\"quantity\":");
      w.integer(e.quantity);
      w.literal(",\"buyer_order_id\":");
      w.uuid(UuidKind::Order, raw(e.buyer_order_id));
      w.literal(",\"seller_order_id\":");
      w.uuid(UuidKind::Order, raw(e.seller_order_id));
      w.literal(",\"buyer_agent_id\":");
      w.agent(e.buyer_agent);
      w.literal(",\"seller_agent_id\":");
      w.agent(e.seller_agent);
      w.literal(",\"aggressor_side\":");
      w.quoted(to_string(e.aggressor_side));
      w.literal("}");
      return;
    }
    case EventType::QuoteUpdate: {
      const auto& e = as<QuoteUpdate>(h);
      w.literal("{\"symbol\":");
      w.text(symbol);
      w.literal(",\"bid_price\":");
      w.price(e.bid_price, scale);
      w.literal(",\"bid_size\":");
      w.integer(e.bid_size);
      w.literal(",\"ask_price\":");
      w.price(e.ask_price, scale);
      w.literal(",\"ask_size\":");
      w.integer(e.ask_size);
      // Spread and mid exist only when both sides do; an empty side reads 0.
      const bool two_sided = e.bid_size > 0 && e.ask_size > 0;
      const Int128 bid = static_cast<Int128>(e.bid_price) * scale.tick_units;
      const Int128 ask = static_cast<Int128>(e.ask_price) * scale.tick_units;
      w.literal(",\"spread\":");
      w.decimal(two_sided ? ask - bid : 0, scale.decimals);
      w.literal(",\"mid_price\":");
      // The mid of two prices is exact with one more decimal when their sum is odd.
      const Int128 sum = two_sided ? bid + ask : 0;
      if (sum % 2 == 0) {
        w.decimal(sum / 2, scale.decimals);
      } else {
        w.decimal(sum * 5, scale.decimals + 1u);
      }
      w.literal("}");
      return;
    }
    case EventType::OrderBookSnapshot: {
      const auto& e = as<OrderBookSnapshot>(h);
      const auto levels = [&](const PriceLevel* level, std::uint16_t count) {
        w.literal("[");
        for (std::uint16_t i = 0; i < count; ++i) {
          if (i != 0) w.literal(",");
          w.literal("{\"price\":");
          w.price(level[i].price, scale);
          w.literal(",\"quantity\":");
          w.integer(level[i].quantity);
          w.literal("}");
        }
        w.literal("]");
      };
      w.literal("{\"symbol\":");
      w.text(symbol);
      w.literal(",\"bids\":");
      levels(e.bids(), e.bid_count);
      w.literal(",\"asks\":");
      levels(e.asks(), e.ask_count);
      w.literal(",\"sequence_number\":");
      w.integer(e.sequence_number);
      w.literal("}");
      return;
    }
    case EventType::TradingHalt: {
      const auto& e = as<TradingHalt>(h);
      w.literal("{\"symbol\":");
      w.text(symbol);
      w.literal(",\"reason\":");
      w.quoted(to_string(e.reason));
      w.literal(",\"level\":");
      w.integer(std::uint32_t{e.level});
      w.literal(",\"trigger_price\":");
      w.price(e.trigger_price, scale);
      w.literal(",\"reference_price\":");
      w.price(e.reference_price, scale);
      w.literal(",\"decline_pct\":");
      w.decimal(e.decline_bps, 2);
      w.literal(",\"halt_duration_secs\":");
      w.integer(e.halt_duration_secs);
      w.literal("}");
      return;
    }
    case EventType::TradingResume: {
      const auto& e = as<TradingResume>(h);
      w.literal("{\"symbol\":");
      w.text(symbol);
      w.literal(",\"halted_at\":");
      w.timestamp(e.halted_at_ns);
      w.literal(",\"halt_duration_secs\":");
      w.integer(e.halt_duration_secs);
      w.literal(",\"level\":");
      w.integer(std::uint32_t{e.level});
      w.literal("}");
      return;
    }
    case EventType::AgentAction: {
      const auto& e = as<AgentAction>(h);
      w.literal("{\"agent_id\":");
      w.agent(e.agent);
      w.literal(",\"agent_type\":");
      w.quoted(to_string(agent_type_of(e.agent)));
      w.literal(",\"action\":");
      w.quoted(to_string(e.action));
      w.literal(",\"symbol\":");
      w.text(symbol);
      w.literal(",\"details\":{");
      for (std::uint8_t i = 0; i < e.detail_count; ++i) {
        const AgentDetail& d = e.details[i];
        if (i != 0) w.literal(",");
        w.quoted(to_string(d.key));
        w.literal(":");
        switch (value_kind_of(d.key)) {
          case DetailValueKind::Side: w.quoted(to_string(static_cast<Side>(d.value))); break;
          case DetailValueKind::OrderType: w.quoted(to_string(static_cast<OrderType>(d.value))); break;
          case DetailValueKind::Strategy: w.quoted(to_string(static_cast<Strategy>(d.value))); break;
          case DetailValueKind::Price: w.price(d.value, scale); break;
          case DetailValueKind::OrderId: w.uuid(UuidKind::Order, static_cast<std::uint64_t>(d.value)); break;
          case DetailValueKind::Integer: w.integer(d.value); break;
        }
      }
      w.literal("}}");
      return;
    }
    case EventType::MarketStats: {
      const auto& e = as<MarketStats>(h);
      w.literal("{\"symbol\":");
      w.text(symbol);
      w.literal(",\"open\":");
      w.price(e.open, scale);
      w.literal(",\"high\":");
      w.price(e.high, scale);
      w.literal(",\"low\":");
      w.price(e.low, scale);
      w.literal(",\"last\":");
      w.price(e.last, scale);
      w.literal(",\"volume\":");
      w.integer(e.volume);
      w.literal(",\"trade_count\":");
      w.integer(e.trade_count);
      const Int128 notional_units = static_cast<Int128>(e.notional_ticks) * scale.tick_units;
      w.literal(",\"vwap\":");
      if (e.volume == 0) {
        w.decimal(0, scale.decimals);
      } else {
        const Int128 scaled = notional_units * static_cast<Int128>(kPow10[kVwapExtraDecimals]);
        w.decimal(divide_rounded(scaled, e.volume), scale.decimals + kVwapExtraDecimals);
      }
      w.literal(",\"turnover\":");
      w.decimal(notional_units, scale.decimals);
      w.literal("}");
      return;
    }
    case EventType::OrderCancelled: {
      const auto& e = as<OrderCancelled>(h);
      w.literal("{\"order_id\":");
      w.uuid(UuidKind::Order, raw(e.order_id));
      w.literal(",\"symbol\":");
      w.text(symbol);
      w.literal(",\"side\":");
      w.quoted(to_string(e.side));
      w.literal(",\"price\":");
      w.price(e.price, scale);
      w.literal(",\"remaining_quantity\":");
      w.integer(e.remaining_quantity);
      w.literal(",\"agent_id\":");
      w.agent(e.agent);
      w.literal(",\"reason\":");
      w.quoted(to_string(e.reason));
      w.literal("}");
      return;
    }
  }
}

}  // namespace

JsonEncoder::JsonEncoder(const SymbolTable& symbols, JsonOptions options)
    : symbols_(symbols),
      options_(options),
      symbol_text_(std::make_unique<SymbolText[]>(symbols.size())),
      buffer_(std::make_unique<char[]>(kMaxEncodedLength)),
      aligned_copy_(std::make_unique<FrameBuffer>()) {
  for (const Instrument& instrument : symbols) {
    symbol_text_[raw(instrument.id)] = SymbolText{json_quote(instrument.ticker), instrument.scale};
  }
}

JsonEncoder::~JsonEncoder() = default;

Encoded JsonEncoder::encode(const void* frame, std::size_t size) noexcept {
  if (const FrameError error = check_frame(frame, size, symbols_.size()); error != FrameError::None) {
    return {{}, error};
  }
  // Frames from rings and FrameBuffers are aligned and read in place; others are
  // copied once (check_frame has vouched for their length).
  const auto* header = static_cast<const FrameHeader*>(frame);
  if (reinterpret_cast<std::uintptr_t>(frame) % kFrameAlignment != 0) {
    std::uint32_t length;
    std::memcpy(&length, frame, sizeof length);
    std::memcpy(aligned_copy_->bytes, frame, length);
    header = &aligned_copy_->header();
  }
  const SymbolText& symbol = symbol_text_[raw(header->symbol)];

  Writer w(buffer_.get());
  w.literal("{\"event_type\":");
  w.quoted(to_string(header->type));
  w.literal(",\"timestamp\":");
  w.timestamp(timestamps_, header->event_time_ns);
  if (options_.include_seq) {
    w.literal(",\"seq\":");
    w.integer(header->sequence);
  }
  w.literal(",\"data\":");
  write_data(w, *header, symbol.quoted, symbol.scale);
  w.literal("}");
  return {std::string_view(buffer_.get(), static_cast<std::size_t>(w.position() - buffer_.get())), FrameError::None};
}

}  // namespace ringside
