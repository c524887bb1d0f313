#include "ringside/tools/event_csv.hpp"

#include <algorithm>

#include "ringside/core/enums.hpp"
#include "ringside/core/iso_time.hpp"
#include "ringside/tools/event_text.hpp"

namespace ringside::tools {
namespace {

#define RINGSIDE_CSV_COMMON "seq,event_time,event_time_ns,publish_time_ns,symbol,"

// Indexed by EventType value; the names are the seed JSON's (core/src/json_encoder.cpp).
constexpr std::string_view kHeaders[kMaxEventType + 1] = {
    "",
    RINGSIDE_CSV_COMMON "order_id,side,order_type,price,quantity,agent_id,agent_type,time_in_force",
    RINGSIDE_CSV_COMMON "trade_id,price,quantity,buyer_order_id,seller_order_id,buyer_agent_id,seller_agent_id,aggressor_side",
    RINGSIDE_CSV_COMMON "bid_price,bid_size,ask_price,ask_size,spread,mid_price",
    RINGSIDE_CSV_COMMON "sequence_number,bid_count,ask_count,side,level,price,quantity",
    RINGSIDE_CSV_COMMON "reason,level,trigger_price,reference_price,decline_pct,halt_duration_secs",
    RINGSIDE_CSV_COMMON "halted_at,halted_at_ns,halt_duration_secs,level",
    RINGSIDE_CSV_COMMON "agent_id,agent_type,action,details",
    RINGSIDE_CSV_COMMON "open,high,low,last,volume,trade_count,vwap,turnover",
    RINGSIDE_CSV_COMMON "order_id,side,price,remaining_quantity,agent_id,reason",
    RINGSIDE_CSV_COMMON "window_start,window_end,window_size,total_volume,total_value,vwap,trade_count,buy_count,"
                        "sell_count,buy_sell_ratio,high_price,low_price,open_price,close_price,computed_at,revision,"
                        "input_gap",
    RINGSIDE_CSV_COMMON "alert_type,direction,baseline_price,current_price,pct_change,window_start_ms,detected_at_ms,"
                        "severity",
    RINGSIDE_CSV_COMMON "timestamp_ms,best_bid,best_ask,mid_price,spread,spread_bps,bid_depth_5,ask_depth_5,imbalance_5,"
                        "bid_depth_10,ask_depth_10,imbalance_10,bid_depth_20,ask_depth_20,imbalance_20,"
                        "sequence_number,bid_levels,ask_levels",
    RINGSIDE_CSV_COMMON "trade_id,price,quantity,buyer_order_id,seller_order_id,buyer_agent_id,seller_agent_id,"
                        "aggressor_side,company_name,sector,industry,market_cap_tier,listed_exchange,enriched_at_ms",
    RINGSIDE_CSV_COMMON "window_start,window_end,window_size,ofi,bid_flow,ask_flow,update_count,ofi_normalized,"
                        "best_bid,best_ask,bid_size,ask_size,input_gap",
};

#undef RINGSIDE_CSV_COMMON

bool needs_quotes(std::string_view text) noexcept {
  return text.find_first_of(",\"\r\n") != std::string_view::npos;
}

// A reference-data text as an RFC 4180 field: quoted, quotes doubled, when it holds a comma or a quote
// (check_frame refused line breaks).
void csv_text(TextCursor& out, std::string_view text) noexcept {
  if (!needs_quotes(text)) {
    out.text(text);
    return;
  }
  out.character('"');
  for (const char c : text) {
    if (c == '"') out.character('"');
    out.character(c);
  }
  out.character('"');
}

// A windowed record's first columns (TradeAggregate, OrderFlowImbalance): window
// bounds in epoch milliseconds and the window's size ("1m").
template <class Windowed>
void csv_window(TextCursor& out, const Windowed& e) noexcept {
  WindowSizeText size;
  out.integer(floor_millis(e.window_start_ns));
  out.character(',');
  out.integer(floor_millis(e.window_end_ns));
  out.character(',');
  out.text(window_size_text(e.window_end_ns - e.window_start_ns, size));
}

// The trade's own columns: TradeExecuted's row, and the first part of
// EnrichedTrade's (the same members, the same columns).
template <class Trade>
void csv_trade(TextCursor& out, const Trade& e, const PriceScale& scale) noexcept {
  out.uuid(UuidKind::Trade, raw(e.trade_id));
  out.character(',');
  out.price(e.price, scale);
  out.character(',');
  out.integer(e.quantity);
  out.character(',');
  out.uuid(UuidKind::Order, raw(e.buyer_order_id));
  out.character(',');
  out.uuid(UuidKind::Order, raw(e.seller_order_id));
  out.character(',');
  out.agent(e.buyer_agent);
  out.character(',');
  out.agent(e.seller_agent);
  out.character(',');
  out.text(to_string(e.aggressor_side));
}

// The details object exactly as the seed JSON has it: {"side":"Buy","price":150.25}.
char* write_details_json(char* p, const AgentAction& e, const PriceScale& scale) noexcept {
  TextCursor out(p);
  out.character('{');
  for (std::size_t i = 0; i < e.detail_count; ++i) {
    const AgentDetail& d = e.details[i];
    if (i != 0) out.character(',');
    out.character('"');
    out.text(to_string(d.key));
    out.text("\":");
    const DetailValueKind kind = value_kind_of(d.key);
    const bool quoted = kind == DetailValueKind::Side || kind == DetailValueKind::OrderType ||
                        kind == DetailValueKind::Strategy || kind == DetailValueKind::OrderId;
    if (quoted) out.character('"');
    write_detail_value(out, d, scale);
    if (quoted) out.character('"');
  }
  out.character('}');
  return out.position();
}

}  // namespace

std::string csv_field(std::string_view text) {
  if (!needs_quotes(text)) return std::string(text);
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string_view EventCsv::header(EventType type) noexcept {
  const auto t = static_cast<std::uint8_t>(type);
  return t >= kMinEventType && t <= kMaxEventType ? kHeaders[t] : std::string_view{};
}

std::vector<std::string> EventCsv::columns(EventType type) {
  std::vector<std::string> out;
  std::string_view h = header(type);
  while (!h.empty()) {
    const auto comma = h.find(',');
    out.emplace_back(h.substr(0, comma));
    h = comma == std::string_view::npos ? std::string_view{} : h.substr(comma + 1);
  }
  return out;
}

EventCsv::EventCsv(const SymbolTable& symbols) : symbols_(symbols) {
  tickers_.reserve(symbols.size());
  for (const Instrument& instrument : symbols) tickers_.push_back(csv_field(instrument.ticker));
}

char* EventCsv::write_rows(char* p, const FrameHeader& h, std::size_t& rows) noexcept {
  const Instrument& instrument = symbols_[h.symbol];
  const PriceScale& scale = instrument.scale;
  // The common columns, written once and repeated for each row of a snapshot.
  char* const row_start = p;
  TextCursor out(p);
  out.integer(h.sequence);
  out.character(',');
  timestamps_.write(out.position(), h.event_time_ns);
  out = TextCursor(out.position() + kIsoTimestampLength);
  out.character(',');
  out.integer(h.event_time_ns);
  out.character(',');
  out.integer(h.publish_time_ns);
  out.character(',');
  out.text(tickers_[raw(h.symbol)]);
  out.character(',');
  rows = 1;

  switch (h.type) {
    case EventType::OrderPlaced: {
      const auto& e = event_cast<OrderPlaced>(h);
      out.uuid(UuidKind::Order, raw(e.order_id));
      out.character(',');
      out.text(to_string(e.side));
      out.character(',');
      out.text(to_string(e.order_type));
      out.character(',');
      out.price(e.price, scale);
      out.character(',');
      out.integer(e.quantity);
      out.character(',');
      out.agent(e.agent);
      out.character(',');
      out.text(to_string(agent_type_of(e.agent)));
      out.character(',');
      out.text(to_string(e.time_in_force));
      break;
    }
    case EventType::TradeExecuted: {
      const auto& e = event_cast<TradeExecuted>(h);
      csv_trade(out, e, scale);
      break;
    }
    case EventType::QuoteUpdate: {
      const auto& e = event_cast<QuoteUpdate>(h);
      out.price(e.bid_price, scale);
      out.character(',');
      out.integer(e.bid_size);
      out.character(',');
      out.price(e.ask_price, scale);
      out.character(',');
      out.integer(e.ask_size);
      out.character(',');
      write_spread(out, e, scale);
      out.character(',');
      write_mid_price(out, e, scale);
      break;
    }
    case EventType::OrderBookSnapshot: {
      const auto& e = event_cast<OrderBookSnapshot>(h);
      const std::size_t common = static_cast<std::size_t>(out.position() - row_start);
      const std::size_t levels = std::size_t{e.bid_count} + e.ask_count;
      // One row per level; a snapshot of an empty book is one row with the level columns empty.
      rows = levels == 0 ? 1 : levels;
      for (std::size_t i = 0; i < rows; ++i) {
        if (i != 0) {
          out.character('\n');
          char* start = out.position();
          std::copy(row_start, row_start + common, start);  // the common columns again
          out = TextCursor(start + common);
        }
        out.integer(e.sequence_number);
        out.character(',');
        out.integer(std::uint32_t{e.bid_count});
        out.character(',');
        out.integer(std::uint32_t{e.ask_count});
        out.character(',');
        if (levels == 0) {
          out.text(",,,");
          continue;
        }
        const bool bid = i < e.bid_count;
        const PriceLevel& level = e.levels[i];
        out.text(bid ? "bid," : "ask,");
        out.integer(static_cast<std::uint64_t>(bid ? i + 1 : i - e.bid_count + 1));
        out.character(',');
        out.price(level.price, scale);
        out.character(',');
        out.integer(level.quantity);
      }
      break;
    }
    case EventType::TradingHalt: {
      const auto& e = event_cast<TradingHalt>(h);
      out.text(to_string(e.reason));
      out.character(',');
      out.integer(std::uint32_t{e.level});
      out.character(',');
      out.price(e.trigger_price, scale);
      out.character(',');
      out.price(e.reference_price, scale);
      out.character(',');
      write_decline_pct(out, e);
      out.character(',');
      out.integer(e.halt_duration_secs);
      break;
    }
    case EventType::TradingResume: {
      const auto& e = event_cast<TradingResume>(h);
      out.iso_time(e.halted_at_ns);
      out.character(',');
      out.integer(e.halted_at_ns);
      out.character(',');
      out.integer(e.halt_duration_secs);
      out.character(',');
      out.integer(std::uint32_t{e.level});
      break;
    }
    case EventType::AgentAction: {
      const auto& e = event_cast<AgentAction>(h);
      out.agent(e.agent);
      out.character(',');
      out.text(to_string(agent_type_of(e.agent)));
      out.character(',');
      out.text(to_string(e.action));
      out.character(',');
      // The object has commas and quotes: always quoted, its quotes doubled.
      char json[1024];
      char* end = write_details_json(json, e, scale);
      out.character('"');
      for (const char* c = json; c != end; ++c) {
        if (*c == '"') out.character('"');
        out.character(*c);
      }
      out.character('"');
      break;
    }
    case EventType::MarketStats: {
      const auto& e = event_cast<MarketStats>(h);
      out.price(e.open, scale);
      out.character(',');
      out.price(e.high, scale);
      out.character(',');
      out.price(e.low, scale);
      out.character(',');
      out.price(e.last, scale);
      out.character(',');
      out.integer(e.volume);
      out.character(',');
      out.integer(e.trade_count);
      out.character(',');
      write_vwap(out, e, scale);
      out.character(',');
      write_turnover(out, e, scale);
      break;
    }
    case EventType::OrderCancelled: {
      const auto& e = event_cast<OrderCancelled>(h);
      out.uuid(UuidKind::Order, raw(e.order_id));
      out.character(',');
      out.text(to_string(e.side));
      out.character(',');
      out.price(e.price, scale);
      out.character(',');
      out.integer(e.remaining_quantity);
      out.character(',');
      out.agent(e.agent);
      out.character(',');
      out.text(to_string(e.reason));
      break;
    }
    case EventType::TradeAggregate: {
      const auto& e = event_cast<TradeAggregate>(h);
      csv_window(out, e);
      out.character(',');
      out.integer(e.total_volume);
      out.character(',');
      out.decimal(notional_of(e.total_value_ticks, scale));
      out.character(',');
      out.decimal(vwap_of(e.total_value_ticks, e.total_volume, scale));
      out.character(',');
      out.integer(e.trade_count);
      out.character(',');
      out.integer(e.buy_count);
      out.character(',');
      out.integer(e.sell_count);
      out.character(',');
      if (const auto ratio = buy_sell_ratio_of(e)) out.decimal(*ratio);  // empty without sells
      out.character(',');
      out.price(e.high, scale);
      out.character(',');
      out.price(e.low, scale);
      out.character(',');
      out.price(e.open, scale);
      out.character(',');
      out.price(e.close, scale);
      out.character(',');
      out.integer(floor_millis(e.computed_at_ns));
      out.character(',');
      out.integer(std::uint32_t{e.revision});
      out.character(',');
      out.text((e.flags & kRecordInputGap) != 0 ? "true" : "false");
      break;
    }
    case EventType::PriceAlert: {
      const auto& e = event_cast<PriceAlert>(h);
      out.text(to_string(e.kind));
      out.character(',');
      out.text(to_string(e.direction));
      out.character(',');
      out.price(e.baseline_price, scale);
      out.character(',');
      out.price(e.current_price, scale);
      out.character(',');
      out.decimal(pct_change_of(e.baseline_price, e.current_price));
      out.character(',');
      out.integer(floor_millis(e.window_start_ns));
      out.character(',');
      out.integer(floor_millis(e.detected_at_ns));
      out.character(',');
      out.text(to_string(e.severity));
      break;
    }
    case EventType::OrderBookMetrics: {
      const auto& e = event_cast<OrderBookMetrics>(h);
      out.integer(floor_millis(h.event_time_ns));
      out.character(',');
      out.price(e.best_bid, scale);
      out.character(',');
      out.price(e.best_ask, scale);
      out.character(',');
      out.decimal(mid_of(e.best_bid, e.best_ask, scale));
      out.character(',');
      out.decimal(spread_of(e.best_bid, e.best_ask, scale));
      out.character(',');
      out.decimal(spread_bps_of(e.best_bid, e.best_ask));
      for (std::size_t i = 0; i < kBookMetricDepths; ++i) {
        out.character(',');
        out.integer(e.bid_depth[i]);
        out.character(',');
        out.integer(e.ask_depth[i]);
        out.character(',');
        out.decimal(imbalance_of(e.bid_depth[i], e.ask_depth[i]));
      }
      out.character(',');
      out.integer(e.snapshot_sequence);
      out.character(',');
      out.integer(std::uint32_t{e.bid_levels});
      out.character(',');
      out.integer(std::uint32_t{e.ask_levels});
      break;
    }
    case EventType::EnrichedTrade: {
      const auto& e = event_cast<EnrichedTrade>(h);
      csv_trade(out, e, scale);
      out.character(',');
      csv_text(out, text_of(e.company_name));
      out.character(',');
      csv_text(out, text_of(e.sector));
      out.character(',');
      csv_text(out, text_of(e.industry));
      out.character(',');
      csv_text(out, text_of(e.market_cap_tier));
      out.character(',');
      csv_text(out, text_of(e.listed_exchange));
      out.character(',');
      out.integer(floor_millis(e.enriched_at_ns));
      break;
    }
    case EventType::OrderFlowImbalance: {
      const auto& e = event_cast<OrderFlowImbalance>(h);
      csv_window(out, e);
      out.character(',');
      out.integer(e.ofi);
      out.character(',');
      out.integer(e.bid_flow);
      out.character(',');
      out.integer(e.ask_flow);
      out.character(',');
      out.integer(e.update_count);
      out.character(',');
      out.decimal(ofi_normalized_of(e));
      out.character(',');
      out.price(e.best_bid, scale);
      out.character(',');
      out.price(e.best_ask, scale);
      out.character(',');
      out.integer(e.bid_size);
      out.character(',');
      out.integer(e.ask_size);
      out.character(',');
      out.text((e.flags & kRecordInputGap) != 0 ? "true" : "false");
      break;
    }
  }
  out.character('\n');
  return out.position();
}

}  // namespace ringside::tools
