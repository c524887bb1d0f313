#include "ringside/tools/event_text.hpp"

#include <charconv>
#include <cstring>

#include "ringside/core/enums.hpp"

namespace ringside::tools {
namespace {

__extension__ typedef unsigned __int128 UInt128;

constexpr std::uint64_t pow10(unsigned n) noexcept {
  std::uint64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

// As JsonEncoder: VWAP has four decimals more than the symbol's prices.
constexpr unsigned kVwapExtraDecimals = 4;
constexpr std::int64_t kNsPerDay = 86'400'000'000'000;

// Round-half-away-from-zero division, as JsonEncoder's for VWAP.
Int128 divide_rounded(Int128 numerator, Int128 denominator) noexcept {
  const bool negative = (numerator < 0) != (denominator < 0);
  const UInt128 n = numerator < 0 ? UInt128(0) - static_cast<UInt128>(numerator) : static_cast<UInt128>(numerator);
  const UInt128 d = denominator < 0 ? UInt128(0) - static_cast<UInt128>(denominator) : static_cast<UInt128>(denominator);
  const auto q = static_cast<Int128>((n + d / 2) / d);
  return negative ? -q : q;
}

// Floor division, so times before 1970 still land on their day.
std::int64_t day_of(std::int64_t ns) noexcept { return ns / kNsPerDay - (ns % kNsPerDay < 0 ? 1 : 0); }

void price_and_size(TextCursor& out, Ticks price, Volume size, const PriceScale& scale) {
  out.price(price, scale);
  out.text(" x ");
  out.integer(size);
}

}  // namespace

void TextCursor::text(std::string_view s) noexcept {
  std::memcpy(p_, s.data(), s.size());
  p_ += s.size();
}

void TextCursor::integer(std::int64_t v) noexcept { p_ = std::to_chars(p_, p_ + 20, v).ptr; }
void TextCursor::integer(std::uint64_t v) noexcept { p_ = std::to_chars(p_, p_ + 20, v).ptr; }

void TextCursor::decimal(Int128 value, unsigned decimals) noexcept {
  if (value < 0) *p_++ = '-';
  UInt128 magnitude = value < 0 ? UInt128(0) - static_cast<UInt128>(value) : static_cast<UInt128>(value);
  const std::uint64_t scale = pow10(decimals);
  std::uint64_t fraction = static_cast<std::uint64_t>(magnitude % scale);
  magnitude /= scale;
  // The whole part: up to 39 digits, written backwards into a scratch array.
  char digits[40];
  std::size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + static_cast<unsigned>(magnitude % 10));
    magnitude /= 10;
  } while (magnitude != 0);
  while (n > 0) *p_++ = digits[--n];
  if (decimals == 0) return;
  *p_++ = '.';
  for (unsigned i = decimals; i-- > 0;) {
    p_[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  p_ += decimals;
}

void TextCursor::price(Ticks ticks, const PriceScale& scale) noexcept {
  decimal(static_cast<Int128>(ticks) * scale.tick_units, scale.decimals);
}

void TextCursor::uuid(UuidKind kind, std::uint64_t id) noexcept {
  write_uuid(p_, kind, id);
  p_ += kUuidLength;
}

void TextCursor::agent(AgentId id) noexcept {
  AgentIdText text_buffer;
  text(format_agent_id(id, text_buffer));
}

void TextCursor::iso_time(std::int64_t ns) noexcept {
  write_iso_timestamp(p_, ns);
  p_ += kIsoTimestampLength;
}

void write_spread(TextCursor& out, const QuoteUpdate& q, const PriceScale& scale) noexcept {
  const bool two_sided = q.bid_size > 0 && q.ask_size > 0;
  const Int128 bid = static_cast<Int128>(q.bid_price) * scale.tick_units;
  const Int128 ask = static_cast<Int128>(q.ask_price) * scale.tick_units;
  out.decimal(two_sided ? ask - bid : 0, scale.decimals);
}

void write_mid_price(TextCursor& out, const QuoteUpdate& q, const PriceScale& scale) noexcept {
  const bool two_sided = q.bid_size > 0 && q.ask_size > 0;
  const Int128 sum = two_sided ? (static_cast<Int128>(q.bid_price) + q.ask_price) * scale.tick_units : 0;
  // The mid of two prices is exact with one more decimal when their sum is odd.
  if (sum % 2 == 0) {
    out.decimal(sum / 2, scale.decimals);
  } else {
    out.decimal(sum * 5, scale.decimals + 1u);
  }
}

void write_vwap(TextCursor& out, const MarketStats& s, const PriceScale& scale) noexcept {
  if (s.volume == 0) {
    out.decimal(0, scale.decimals);
    return;
  }
  const Int128 notional_units = static_cast<Int128>(s.notional_ticks) * scale.tick_units;
  out.decimal(divide_rounded(notional_units * static_cast<Int128>(pow10(kVwapExtraDecimals)), s.volume),
              scale.decimals + kVwapExtraDecimals);
}

void write_turnover(TextCursor& out, const MarketStats& s, const PriceScale& scale) noexcept {
  out.decimal(static_cast<Int128>(s.notional_ticks) * scale.tick_units, scale.decimals);
}

void write_decline_pct(TextCursor& out, const TradingHalt& halt) noexcept { out.decimal(halt.decline_bps, 2); }

void write_detail_value(TextCursor& out, const AgentDetail& d, const PriceScale& scale) noexcept {
  switch (value_kind_of(d.key)) {
    case DetailValueKind::Side: out.text(to_string(static_cast<Side>(d.value))); return;
    case DetailValueKind::OrderType: out.text(to_string(static_cast<OrderType>(d.value))); return;
    case DetailValueKind::Strategy: out.text(to_string(static_cast<Strategy>(d.value))); return;
    case DetailValueKind::Price: out.price(d.value, scale); return;
    case DetailValueKind::OrderId: out.uuid(UuidKind::Order, static_cast<std::uint64_t>(d.value)); return;
    case DetailValueKind::Integer: out.integer(d.value); return;
  }
}

// --- the readable line, one function per type ---------------------------------

void write_fields(TextCursor& out, const OrderPlaced& e, const PriceScale& scale) noexcept {
  out.text(to_string(e.side));
  out.character(' ');
  out.text(to_string(e.order_type));
  out.character(' ');
  out.text(to_string(e.time_in_force));
  out.character(' ');
  out.integer(e.quantity);
  if (e.order_type == OrderType::Limit) {
    out.text(" @ ");
    out.price(e.price, scale);
  }
  out.text(" agent=");
  out.agent(e.agent);
  out.text(" order=");
  out.uuid(UuidKind::Order, raw(e.order_id));
}

// "QTY @ PRICE aggressor=SIDE buyer=AGENT seller=AGENT trade=UUID": TradeExecuted's
// line, and the first part of EnrichedTrade's (the same members).
template <class Trade>
void write_trade(TextCursor& out, const Trade& e, const PriceScale& scale) noexcept {
  out.integer(e.quantity);
  out.text(" @ ");
  out.price(e.price, scale);
  out.text(" aggressor=");
  out.text(to_string(e.aggressor_side));
  out.text(" buyer=");
  out.agent(e.buyer_agent);
  out.text(" seller=");
  out.agent(e.seller_agent);
  out.text(" trade=");
  out.uuid(UuidKind::Trade, raw(e.trade_id));
}

void write_fields(TextCursor& out, const TradeExecuted& e, const PriceScale& scale) noexcept {
  write_trade(out, e, scale);
}

void write_fields(TextCursor& out, const QuoteUpdate& e, const PriceScale& scale) noexcept {
  // "bid PRICE x SIZE ask PRICE x SIZE"; an empty side reads "-".
  out.text("bid ");
  if (e.bid_size > 0) {
    price_and_size(out, e.bid_price, e.bid_size, scale);
  } else {
    out.character('-');
  }
  out.text(" ask ");
  if (e.ask_size > 0) {
    price_and_size(out, e.ask_price, e.ask_size, scale);
  } else {
    out.character('-');
  }
  if (e.bid_size > 0 && e.ask_size > 0) {
    out.text(" spread ");
    write_spread(out, e, scale);
  }
}

void write_fields(TextCursor& out, const OrderBookSnapshot& e, const PriceScale& scale) noexcept {
  // "#812 bids 20 asks 20 | 150.24 x 300, 150.23 x 100, ... | 150.26 x 200, ..."
  const auto side = [&](const PriceLevel* levels, std::uint16_t count) {
    out.text(" |");
    if (count == 0) out.text(" -");
    for (std::size_t i = 0; i < count && i < EventText::kSnapshotLevels; ++i) {
      out.text(i == 0 ? " " : ", ");
      price_and_size(out, levels[i].price, levels[i].quantity, scale);
    }
    if (count > EventText::kSnapshotLevels) out.text(", ...");
  };
  out.character('#');
  out.integer(e.sequence_number);
  out.text(" bids ");
  out.integer(std::uint32_t{e.bid_count});
  out.text(" asks ");
  out.integer(std::uint32_t{e.ask_count});
  side(e.bids(), e.bid_count);
  side(e.asks(), e.ask_count);
}

void write_fields(TextCursor& out, const TradingHalt& e, const PriceScale& scale) noexcept {
  out.text("level ");
  out.integer(std::uint32_t{e.level});
  out.character(' ');
  out.text(to_string(e.reason));
  out.text(" trigger ");
  out.price(e.trigger_price, scale);
  out.text(" reference ");
  out.price(e.reference_price, scale);
  out.text(" decline ");
  write_decline_pct(out, e);
  out.text("% for ");
  out.integer(e.halt_duration_secs);
  out.text(" s");
}

void write_fields(TextCursor& out, const TradingResume& e, const PriceScale&) noexcept {
  out.text("level ");
  out.integer(std::uint32_t{e.level});
  out.text(" after ");
  out.integer(e.halt_duration_secs);
  out.text(" s halted_at=");
  out.iso_time(e.halted_at_ns);
}

void write_fields(TextCursor& out, const AgentAction& e, const PriceScale& scale) noexcept {
  out.agent(e.agent);
  out.character(' ');
  out.text(to_string(agent_type_of(e.agent)));
  out.character(' ');
  out.text(to_string(e.action));
  for (std::size_t i = 0; i < e.detail_count; ++i) {
    out.character(' ');
    out.text(to_string(e.details[i].key));
    out.character('=');
    write_detail_value(out, e.details[i], scale);
  }
}

void write_fields(TextCursor& out, const MarketStats& e, const PriceScale& scale) noexcept {
  out.text("open ");
  out.price(e.open, scale);
  out.text(" high ");
  out.price(e.high, scale);
  out.text(" low ");
  out.price(e.low, scale);
  out.text(" last ");
  out.price(e.last, scale);
  out.text(" volume ");
  out.integer(e.volume);
  out.text(" trades ");
  out.integer(e.trade_count);
  out.text(" vwap ");
  write_vwap(out, e, scale);
}

void write_fields(TextCursor& out, const OrderCancelled& e, const PriceScale& scale) noexcept {
  out.text(to_string(e.side));
  out.character(' ');
  out.integer(e.remaining_quantity);
  out.text(" @ ");
  out.price(e.price, scale);
  out.text(" reason=");
  out.text(to_string(e.reason));
  out.text(" agent=");
  out.agent(e.agent);
  out.text(" order=");
  out.uuid(UuidKind::Order, raw(e.order_id));
}

// "[14:35:00.000000 - 14:40:00.000000)": a window's bounds as times of day.
void window_bounds(TextCursor& out, std::int64_t start_ns, std::int64_t end_ns) noexcept {
  char stamp[kIsoTimestampLength];
  out.character('[');
  write_iso_timestamp(stamp, start_ns);
  out.text(std::string_view(stamp + 11, 15));
  out.text(" - ");
  write_iso_timestamp(stamp, end_ns);
  out.text(std::string_view(stamp + 11, 15));
  out.character(')');
}

void write_fields(TextCursor& out, const TradeAggregate& e, const PriceScale& scale) noexcept {
  // "5m [14:35:00.000000 - 14:40:00.000000) trades 12 (buy 7 sell 5) volume 1200 vwap 150.251234
  //  open 150.20 high 150.31 low 150.18 close 150.27 rev 1 gap"
  WindowSizeText size;
  out.text(window_size_text(e.window_end_ns - e.window_start_ns, size));
  out.character(' ');
  window_bounds(out, e.window_start_ns, e.window_end_ns);
  out.text(" trades ");
  out.integer(e.trade_count);
  out.text(" (buy ");
  out.integer(e.buy_count);
  out.text(" sell ");
  out.integer(e.sell_count);
  out.text(") volume ");
  out.integer(e.total_volume);
  out.text(" vwap ");
  out.decimal(vwap_of(e.total_value_ticks, e.total_volume, scale));
  out.text(" open ");
  out.price(e.open, scale);
  out.text(" high ");
  out.price(e.high, scale);
  out.text(" low ");
  out.price(e.low, scale);
  out.text(" close ");
  out.price(e.close, scale);
  if (e.revision != 0) {
    out.text(" rev ");
    out.integer(std::uint32_t{e.revision});
  }
  if ((e.flags & kRecordInputGap) != 0) out.text(" gap");
}

void write_fields(TextCursor& out, const PriceAlert& e, const PriceScale& scale) noexcept {
  // "MEDIUM UP 2.32% 185.50 -> 189.80 since 14:30:00.000000"
  out.text(to_string(e.severity));
  out.character(' ');
  out.text(to_string(e.direction));
  out.character(' ');
  out.decimal(pct_change_of(e.baseline_price, e.current_price));
  out.text("% ");
  out.price(e.baseline_price, scale);
  out.text(" -> ");
  out.price(e.current_price, scale);
  out.text(" since ");
  char stamp[kIsoTimestampLength];
  write_iso_timestamp(stamp, e.window_start_ns);
  out.text(std::string_view(stamp + 11, 15));
}

void write_fields(TextCursor& out, const OrderBookMetrics& e, const PriceScale& scale) noexcept {
  // "#812 bid 185.40 ask 185.45 mid 185.425 spread 0.05 (2.70 bps) depth5 2500/1800 (0.1628) depth10 ..."
  out.character('#');
  out.integer(e.snapshot_sequence);
  out.text(" bid ");
  out.price(e.best_bid, scale);
  out.text(" ask ");
  out.price(e.best_ask, scale);
  out.text(" mid ");
  out.decimal(mid_of(e.best_bid, e.best_ask, scale));
  out.text(" spread ");
  out.decimal(spread_of(e.best_bid, e.best_ask, scale));
  out.text(" (");
  out.decimal(spread_bps_of(e.best_bid, e.best_ask));
  out.text(" bps)");
  for (std::size_t i = 0; i < kBookMetricDepths; ++i) {
    out.text(" depth");
    out.integer(std::uint32_t{kBookMetricLevels[i]});
    out.character(' ');
    out.integer(e.bid_depth[i]);
    out.character('/');
    out.integer(e.ask_depth[i]);
    out.text(" (");
    out.decimal(imbalance_of(e.bid_depth[i], e.ask_depth[i]));
    out.character(')');
  }
}

void write_fields(TextCursor& out, const EnrichedTrade& e, const PriceScale& scale) noexcept {
  // The trade as TradeExecuted's line, then "| company / sector / industry / tier / exchange".
  write_trade(out, e, scale);
  out.text(" | ");
  out.text(text_of(e.company_name));
  out.text(" / ");
  out.text(text_of(e.sector));
  out.text(" / ");
  out.text(text_of(e.industry));
  out.text(" / ");
  out.text(text_of(e.market_cap_tier));
  out.text(" / ");
  out.text(text_of(e.listed_exchange));
}

void write_fields(TextCursor& out, const OrderFlowImbalance& e, const PriceScale& scale) noexcept {
  // "10s [14:30:00.000000 - 14:30:10.000000) ofi 1200 (bid 900 ask -300) updates 41 normalized 0.5123
  //  bid 150.24 x 300 ask 150.26 x 200 gap"
  WindowSizeText size;
  out.text(window_size_text(e.window_end_ns - e.window_start_ns, size));
  out.character(' ');
  window_bounds(out, e.window_start_ns, e.window_end_ns);
  out.text(" ofi ");
  out.integer(e.ofi);
  out.text(" (bid ");
  out.integer(e.bid_flow);
  out.text(" ask ");
  out.integer(e.ask_flow);
  out.text(") updates ");
  out.integer(e.update_count);
  out.text(" normalized ");
  out.decimal(ofi_normalized_of(e));
  out.text(" bid ");
  price_and_size(out, e.best_bid, e.bid_size, scale);
  out.text(" ask ");
  price_and_size(out, e.best_ask, e.ask_size, scale);
  if ((e.flags & kRecordInputGap) != 0) out.text(" gap");
}

std::string_view EventText::render(const FrameHeader& h) noexcept {
  TextCursor out(line_);
  out.integer(h.sequence);
  out.character(' ');
  // "YYYY-MM-DDTHH:MM:SS.ffffffZ": the time of day is characters 11 to 25.
  char stamp[kIsoTimestampLength];
  timestamps_.write(stamp, h.event_time_ns);
  out.text(std::string_view(stamp + 11, 15));
  out.character(' ');
  out.text(to_string(h.type));
  out.character(' ');
  PriceScale scale{1, 0};  // without a symbol table: prices in ticks
  if (symbols_ != nullptr && symbols_->contains(h.symbol)) {
    const Instrument& instrument = (*symbols_)[h.symbol];
    out.text(instrument.ticker);
    scale = instrument.scale;
  } else {
    out.character('#');
    out.integer(std::uint32_t{raw(h.symbol)});
  }
  out.character(' ');
  switch (h.type) {
    case EventType::OrderPlaced: write_fields(out, event_cast<OrderPlaced>(h), scale); break;
    case EventType::TradeExecuted: write_fields(out, event_cast<TradeExecuted>(h), scale); break;
    case EventType::QuoteUpdate: write_fields(out, event_cast<QuoteUpdate>(h), scale); break;
    case EventType::OrderBookSnapshot: write_fields(out, event_cast<OrderBookSnapshot>(h), scale); break;
    case EventType::TradingHalt: write_fields(out, event_cast<TradingHalt>(h), scale); break;
    case EventType::TradingResume: write_fields(out, event_cast<TradingResume>(h), scale); break;
    case EventType::AgentAction: write_fields(out, event_cast<AgentAction>(h), scale); break;
    case EventType::MarketStats: write_fields(out, event_cast<MarketStats>(h), scale); break;
    case EventType::OrderCancelled: write_fields(out, event_cast<OrderCancelled>(h), scale); break;
    case EventType::TradeAggregate: write_fields(out, event_cast<TradeAggregate>(h), scale); break;
    case EventType::PriceAlert: write_fields(out, event_cast<PriceAlert>(h), scale); break;
    case EventType::OrderBookMetrics: write_fields(out, event_cast<OrderBookMetrics>(h), scale); break;
    case EventType::EnrichedTrade: write_fields(out, event_cast<EnrichedTrade>(h), scale); break;
    case EventType::OrderFlowImbalance: write_fields(out, event_cast<OrderFlowImbalance>(h), scale); break;
  }
  return {line_, static_cast<std::size_t>(out.position() - line_)};
}

std::string_view EventText::date_change(const FrameHeader& h) noexcept {
  const std::int64_t day = day_of(h.event_time_ns);
  if (day == last_day_) return {};
  last_day_ = day;
  char stamp[kIsoTimestampLength];
  write_iso_timestamp(stamp, h.event_time_ns);
  std::memcpy(date_, stamp, 10);
  return {date_, 10};
}

}  // namespace ringside::tools
