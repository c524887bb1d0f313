#include "ringside/core/json_encoder.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

#include "ringside/core/derived.hpp"
#include "ringside/core/enums.hpp"
#include "ringside/core/events.hpp"
#include "ringside/core/iso_time.hpp"
#include "ringside/core/uuid.hpp"
#include "ringside/core/wide_int.hpp"

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
  void decimal(const DecimalValue& v) noexcept { decimal(v.units, v.decimals); }
  // Milliseconds since the epoch, floored: the seed's "long" times of its analytics records.
  void millis(std::int64_t ns) noexcept { integer(floor_millis(ns)); }
  void boolean(bool v) noexcept {
    if (v) {
      literal("true");
    } else {
      literal("false");
    }
  }
  // A text check_frame accepted (printable UTF-8): only quotes and backslashes need escaping.
  void escaped(std::string_view s) noexcept {
    *p_++ = '"';
    for (const char c : s) {
      if (c == '"' || c == '\\') *p_++ = '\\';
      *p_++ = c;
    }
    *p_++ = '"';
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

// The opening of a windowed record (TradeAggregate, OrderFlowImbalance): symbol,
// window bounds in epoch milliseconds and the window's size ("1m").
template <class Windowed>
void write_window(Writer& w, const Windowed& e, const std::string& symbol) noexcept {
  WindowSizeText size;
  w.literal("{\"symbol\":");
  w.text(symbol);
  w.literal(",\"window_start\":");
  w.millis(e.window_start_ns);
  w.literal(",\"window_end\":");
  w.millis(e.window_end_ns);
  w.literal(",\"window_size\":");
  w.quoted(window_size_text(e.window_end_ns - e.window_start_ns, size));
}

// The trade's own fields, opening the data object: TradeExecuted's whole body,
// and the first part of EnrichedTrade's (the same members, the same names).
template <class Trade>
void write_trade(Writer& w, const Trade& e, const std::string& symbol, const PriceScale& scale) noexcept {
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
}

void write_data(Writer& w, const FrameHeader& h, const std::string& symbol, const PriceScale& scale) noexcept {
  switch (h.type) {
    case EventType::OrderPlaced: {
      const auto& e = event_cast<OrderPlaced>(h);
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
      const auto& e = event_cast<TradeExecuted>(h);
      write_trade(w, e, symbol, scale);
      w.literal("}");
      return;
    }
    case EventType::QuoteUpdate: {
      const auto& e = event_cast<QuoteUpdate>(h);
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
      const auto& e = event_cast<OrderBookSnapshot>(h);
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
      const auto& e = event_cast<TradingHalt>(h);
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
      const auto& e = event_cast<TradingResume>(h);
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
      const auto& e = event_cast<AgentAction>(h);
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
      const auto& e = event_cast<MarketStats>(h);
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
      const auto& e = event_cast<OrderCancelled>(h);
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
    case EventType::TradeAggregate: {
      const auto& e = event_cast<TradeAggregate>(h);
      write_window(w, e, symbol);
      w.literal(",\"total_volume\":");
      w.integer(e.total_volume);
      w.literal(",\"total_value\":");
      w.decimal(notional_of(e.total_value_ticks, scale));
      w.literal(",\"vwap\":");
      w.decimal(vwap_of(e.total_value_ticks, e.total_volume, scale));
      w.literal(",\"trade_count\":");
      w.integer(e.trade_count);
      w.literal(",\"buy_count\":");
      w.integer(e.buy_count);
      w.literal(",\"sell_count\":");
      w.integer(e.sell_count);
      w.literal(",\"buy_sell_ratio\":");
      if (const auto ratio = buy_sell_ratio_of(e)) {
        w.decimal(*ratio);
      } else {
        w.literal("null");  // no sells: the seed's infinity has no JSON spelling
      }
      w.literal(",\"high_price\":");
      w.price(e.high, scale);
      w.literal(",\"low_price\":");
      w.price(e.low, scale);
      w.literal(",\"open_price\":");
      w.price(e.open, scale);
      w.literal(",\"close_price\":");
      w.price(e.close, scale);
      w.literal(",\"computed_at\":");
      w.millis(e.computed_at_ns);
      w.literal(",\"revision\":");
      w.integer(std::uint32_t{e.revision});
      w.literal(",\"input_gap\":");
      w.boolean((e.flags & kRecordInputGap) != 0);
      w.literal("}");
      return;
    }
    case EventType::PriceAlert: {
      const auto& e = event_cast<PriceAlert>(h);
      w.literal("{\"alert_type\":");
      w.quoted(to_string(e.kind));
      w.literal(",\"symbol\":");
      w.text(symbol);
      w.literal(",\"direction\":");
      w.quoted(to_string(e.direction));
      w.literal(",\"baseline_price\":");
      w.price(e.baseline_price, scale);
      w.literal(",\"current_price\":");
      w.price(e.current_price, scale);
      w.literal(",\"pct_change\":");
      w.decimal(pct_change_of(e.baseline_price, e.current_price));
      w.literal(",\"window_start_ms\":");
      w.millis(e.window_start_ns);
      w.literal(",\"detected_at_ms\":");
      w.millis(e.detected_at_ns);
      w.literal(",\"severity\":");
      w.quoted(to_string(e.severity));
      w.literal("}");
      return;
    }
    case EventType::OrderBookMetrics: {
      const auto& e = event_cast<OrderBookMetrics>(h);
      w.literal("{\"symbol\":");
      w.text(symbol);
      w.literal(",\"timestamp_ms\":");
      w.millis(h.event_time_ns);
      w.literal(",\"best_bid\":");
      w.price(e.best_bid, scale);
      w.literal(",\"best_ask\":");
      w.price(e.best_ask, scale);
      w.literal(",\"mid_price\":");
      w.decimal(mid_of(e.best_bid, e.best_ask, scale));
      w.literal(",\"spread\":");
      w.decimal(spread_of(e.best_bid, e.best_ask, scale));
      w.literal(",\"spread_bps\":");
      w.decimal(spread_bps_of(e.best_bid, e.best_ask));
      static constexpr const char* kDepthKeys[kBookMetricDepths][3] = {
          {",\"bid_depth_5\":", ",\"ask_depth_5\":", ",\"imbalance_5\":"},
          {",\"bid_depth_10\":", ",\"ask_depth_10\":", ",\"imbalance_10\":"},
          {",\"bid_depth_20\":", ",\"ask_depth_20\":", ",\"imbalance_20\":"}};
      for (std::size_t i = 0; i < kBookMetricDepths; ++i) {
        w.text(kDepthKeys[i][0]);
        w.integer(e.bid_depth[i]);
        w.text(kDepthKeys[i][1]);
        w.integer(e.ask_depth[i]);
        w.text(kDepthKeys[i][2]);
        w.decimal(imbalance_of(e.bid_depth[i], e.ask_depth[i]));
      }
      w.literal(",\"sequence_number\":");
      w.integer(e.snapshot_sequence);
      w.literal(",\"bid_levels\":");
      w.integer(std::uint32_t{e.bid_levels});
      w.literal(",\"ask_levels\":");
      w.integer(std::uint32_t{e.ask_levels});
      w.literal("}");
      return;
    }
    case EventType::EnrichedTrade: {
      const auto& e = event_cast<EnrichedTrade>(h);
      write_trade(w, e, symbol, scale);
      w.literal(",\"company_name\":");
      w.escaped(text_of(e.company_name));
      w.literal(",\"sector\":");
      w.escaped(text_of(e.sector));
      w.literal(",\"industry\":");
      w.escaped(text_of(e.industry));
      w.literal(",\"market_cap_tier\":");
      w.escaped(text_of(e.market_cap_tier));
      w.literal(",\"listed_exchange\":");
      w.escaped(text_of(e.listed_exchange));
      w.literal(",\"enriched_at_ms\":");
      w.millis(e.enriched_at_ns);
      w.literal("}");
      return;
    }
    case EventType::OrderFlowImbalance: {
      const auto& e = event_cast<OrderFlowImbalance>(h);
      write_window(w, e, symbol);
      w.literal(",\"ofi\":");
      w.integer(e.ofi);
      w.literal(",\"bid_flow\":");
      w.integer(e.bid_flow);
      w.literal(",\"ask_flow\":");
      w.integer(e.ask_flow);
      w.literal(",\"update_count\":");
      w.integer(e.update_count);
      w.literal(",\"ofi_normalized\":");
      w.decimal(ofi_normalized_of(e));
      w.literal(",\"best_bid\":");
      w.price(e.best_bid, scale);
      w.literal(",\"best_ask\":");
      w.price(e.best_ask, scale);
      w.literal(",\"bid_size\":");
      w.integer(e.bid_size);
      w.literal(",\"ask_size\":");
      w.integer(e.ask_size);
      w.literal(",\"input_gap\":");
      w.boolean((e.flags & kRecordInputGap) != 0);
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
