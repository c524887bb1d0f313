#include "ringside/core/flatbuffers_codec.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ringside/fb/events_generated.h"

namespace ringside {
namespace {

// The union tag doubles as the EventType, so the schema's union order is pinned here.
static_assert(static_cast<int>(fb::EventBody::OrderPlaced) == static_cast<int>(EventType::OrderPlaced));
static_assert(static_cast<int>(fb::EventBody::TradeExecuted) == static_cast<int>(EventType::TradeExecuted));
static_assert(static_cast<int>(fb::EventBody::QuoteUpdate) == static_cast<int>(EventType::QuoteUpdate));
static_assert(static_cast<int>(fb::EventBody::OrderBookSnapshot) == static_cast<int>(EventType::OrderBookSnapshot));
static_assert(static_cast<int>(fb::EventBody::TradingHalt) == static_cast<int>(EventType::TradingHalt));
static_assert(static_cast<int>(fb::EventBody::TradingResume) == static_cast<int>(EventType::TradingResume));
static_assert(static_cast<int>(fb::EventBody::AgentAction) == static_cast<int>(EventType::AgentAction));
static_assert(static_cast<int>(fb::EventBody::MarketStats) == static_cast<int>(EventType::MarketStats));
static_assert(static_cast<int>(fb::EventBody::OrderCancelled) == static_cast<int>(EventType::OrderCancelled));
static_assert(static_cast<int>(fb::EventBody::TradeAggregate) == static_cast<int>(EventType::TradeAggregate));
static_assert(static_cast<int>(fb::EventBody::PriceAlert) == static_cast<int>(EventType::PriceAlert));
static_assert(static_cast<int>(fb::EventBody::OrderBookMetrics) == static_cast<int>(EventType::OrderBookMetrics));
static_assert(static_cast<int>(fb::EventBody::EnrichedTrade) == static_cast<int>(EventType::EnrichedTrade));
static_assert(static_cast<int>(fb::EventBody::OrderFlowImbalance) == static_cast<int>(EventType::OrderFlowImbalance));
static_assert(static_cast<int>(fb::EventBody::MAX) == kMaxEventType);

// Enums cross between the two worlds by raw value: equal values are the schema's
// promise, and out-of-range values survive decoding for check_frame to reject.
template <class To, class From>
constexpr To cast_enum(From value) noexcept {
  static_assert(sizeof(std::underlying_type_t<To>) == sizeof(std::underlying_type_t<From>));
  return static_cast<To>(static_cast<std::underlying_type_t<From>>(value));
}
static_assert(static_cast<int>(fb::Side::MAX) == kMaxSide);
static_assert(static_cast<int>(fb::OrderType::MAX) == kMaxOrderType);
static_assert(static_cast<int>(fb::TimeInForce::MAX) == kMaxTimeInForce);
static_assert(static_cast<int>(fb::CancelReason::MAX) == kMaxCancelReason);
static_assert(static_cast<int>(fb::HaltReason::MAX) == kMaxHaltReason);
static_assert(static_cast<int>(fb::AgentActionKind::MAX) == kMaxAgentActionKind);
static_assert(static_cast<int>(fb::DetailKey::MAX) == kMaxDetailKey);
static_assert(static_cast<int>(fb::Strategy::MAX) == kMaxStrategy);
static_assert(static_cast<int>(fb::AgentType::MAX) == kMaxAgentType);
static_assert(static_cast<int>(fb::AlertKind::MAX) == kMaxAlertKind);
static_assert(static_cast<int>(fb::AlertDirection::MAX) == kMaxAlertDirection);
static_assert(static_cast<int>(fb::AlertSeverity::MAX) == kMaxAlertSeverity);

// The largest Event the encoder writes is a full snapshot, about 2.2 KiB (an
// EnrichedTrade with every text full is about 0.4 KiB). Decoding
// refuses longer messages: no valid one comes near, and the bound keeps the
// verifier's work on hostile input small.
constexpr std::size_t kMaxMessageLength = 8 * 1024;
static_assert(kMaxMessageLength < FLATBUFFERS_MAX_BUFFER_SIZE);  // the verifier asserts beyond

// The builder's scratch (field locations, vtable offsets) shares its allocation
// with the message; 8 KiB holds the largest with room to spare, so the first
// allocation is also the last.
constexpr std::size_t kBuilderSize = 8 * 1024;

using Builder = flatbuffers::FlatBufferBuilder;
using BodyOffset = flatbuffers::Offset<void>;
using TickerOffset = flatbuffers::Offset<flatbuffers::String>;

// What the encoder needs of a symbol, prepared once: its tick size (a division
// saved per event) and its ticker as a serialized FlatBuffers string: length,
// bytes, terminating NUL, then zeros up to a fixed size, which any reader takes
// for padding. One fixed-size copy replaces CreateString's four steps, and as
// every ticker takes the same room, a message's layout (its padding included)
// depends on its event type alone: the builder's alignment branches predict well.
struct SymbolEntry {
  static constexpr std::size_t kTickerBytes = sizeof(flatbuffers::uoffset_t) + kMaxTickerLength + 1;
  std::uint8_t ticker[kTickerBytes];  // valid where ticker_fits
  bool ticker_fits;                   // else the ticker is written with CreateString
  double tick_size;
};
static_assert(SymbolEntry::kTickerBytes % sizeof(flatbuffers::uoffset_t) == 0);

SymbolEntry symbol_entry(const Instrument& instrument) {
  SymbolEntry s{};
  const std::string_view ticker = instrument.ticker;
  s.ticker_fits = ticker.size() <= kMaxTickerLength;  // always, for tables from config or an image
  if (s.ticker_fits) {
    flatbuffers::WriteScalar(s.ticker, static_cast<flatbuffers::uoffset_t>(ticker.size()));
    std::memcpy(s.ticker + sizeof(flatbuffers::uoffset_t), ticker.data(), ticker.size());
  }
  s.tick_size = instrument.scale.tick_size();
  return s;
}

TickerOffset ticker_of(Builder& b, const SymbolEntry& symbol, const Instrument& instrument) {
  if (!symbol.ticker_fits) return b.CreateString(instrument.ticker);
  b.Align(sizeof(flatbuffers::uoffset_t));
  b.PushBytes(symbol.ticker, SymbolEntry::kTickerBytes);
  return TickerOffset(b.GetSize());
}

// The Event table and the buffer's root offset have the same shape in every
// message, so the encoder writes them as one block instead of through
// EventBuilder and Finish, whose twenty-odd builder steps took 40 % of the
// instructions per event. The block holds the bytes FlatBufferBuilder writes for
//
//   fb::EventBuilder e(b);
//   e.add_body_type(type); e.add_header(&header); e.add_body(body); e.add_symbol(ticker);
//   fb::FinishEventBuffer(b, e.Finish());
//
// after a message part whose length is a multiple of 8 (the test
// RootBlockIsWhatTheBuilderWrites compares the two); behind a shorter part
// the block starts after padding. Members in address order:
struct RootBlock {
  flatbuffers::uoffset_t root;                          // to `table`
  char identifier[flatbuffers::kFileIdentifierLength];  // "RSEV"
  flatbuffers::voffset_t vtable[2 + 4];                 // its size, the table's size, an offset per field
  flatbuffers::soffset_t table;                         // the table starts here; the distance back to vtable
  flatbuffers::uoffset_t symbol;                        // to the ticker string
  flatbuffers::uoffset_t body;                          // to the body table
  fb::EventHeader header;
  std::uint8_t padding[7];
  std::uint8_t body_type;                               // the union tag
};
static_assert(sizeof(RootBlock) == 80 && alignof(RootBlock) == 8);
static_assert(offsetof(RootBlock, header) % alignof(fb::EventHeader) == 0);
// The block is written for exactly these fields of Event: a field added to the
// schema's Event changes CreateEvent and fails here, rather than going unwritten.
static_assert(std::is_same_v<decltype(&fb::CreateEvent),
                             flatbuffers::Offset<fb::Event> (*)(Builder&, const fb::EventHeader*, TickerOffset,
                                                                fb::EventBody, BodyOffset)>);
static_assert(fb::Event::VT_HEADER == 4 && fb::Event::VT_SYMBOL == 6 && fb::Event::VT_BODY_TYPE == 8 &&
              fb::Event::VT_BODY == 10);

// The place of a RootBlock member as a vtable entry: its distance from the table start.
constexpr flatbuffers::voffset_t table_offset(std::size_t member) noexcept {
  return static_cast<flatbuffers::voffset_t>(member - offsetof(RootBlock, table));
}

// Finishes the message: body and ticker are already in the builder.
void add_root(Builder& b, const fb::EventHeader& header, fb::EventBody type, BodyOffset body, TickerOffset ticker) {
  using flatbuffers::EndianScalar;
  using flatbuffers::uoffset_t;
  b.Align(alignof(RootBlock));
  // Offsets count back from the buffer's end; the block's start will be this far from it.
  const uoffset_t start = b.GetSize() + static_cast<uoffset_t>(sizeof(RootBlock));
  const auto from_end = [start](std::size_t member) { return start - static_cast<uoffset_t>(member); };

  RootBlock r{};
  r.root = EndianScalar(static_cast<uoffset_t>(offsetof(RootBlock, table)));
  std::memcpy(r.identifier, fb::EventIdentifier(), sizeof r.identifier);
  r.vtable[0] = EndianScalar(static_cast<flatbuffers::voffset_t>(sizeof r.vtable));
  r.vtable[1] = EndianScalar(table_offset(sizeof(RootBlock)));
  r.vtable[fb::Event::VT_HEADER / 2] = EndianScalar(table_offset(offsetof(RootBlock, header)));
  r.vtable[fb::Event::VT_SYMBOL / 2] = EndianScalar(table_offset(offsetof(RootBlock, symbol)));
  r.vtable[fb::Event::VT_BODY_TYPE / 2] = EndianScalar(table_offset(offsetof(RootBlock, body_type)));
  r.vtable[fb::Event::VT_BODY / 2] = EndianScalar(table_offset(offsetof(RootBlock, body)));
  r.table = EndianScalar(static_cast<flatbuffers::soffset_t>(offsetof(RootBlock, table) - offsetof(RootBlock, vtable)));
  r.symbol = EndianScalar(from_end(offsetof(RootBlock, symbol)) - ticker.o);
  r.body = EndianScalar(from_end(offsetof(RootBlock, body)) - body.o);
  r.header = header;
  r.body_type = static_cast<std::uint8_t>(type);
  b.PushBytes(reinterpret_cast<const std::uint8_t*>(&r), sizeof r);
}

// Fills the vector in place: no temporary array of fb structs.
flatbuffers::Offset<flatbuffers::Vector<const fb::PriceLevel*>> levels(Builder& b, const PriceLevel* in,
                                                                         std::size_t n) {
  return b.CreateVectorOfStructs<fb::PriceLevel>(
      n, [](std::size_t i, fb::PriceLevel* out, const PriceLevel* src) {
        *out = fb::PriceLevel(src[i].price, src[i].quantity);
      },
      in);
}

// Every body table holds its fixed fields as one struct: one store, not one
// builder call per field (see the schema's header comment).
BodyOffset body_of(Builder& b, const FrameHeader& h) {
  switch (h.type) {
    case EventType::OrderPlaced: {
      const auto& e = event_cast<OrderPlaced>(h);
      const fb::OrderPlacedFields f(raw(e.order_id), e.price, e.quantity, raw(e.agent), cast_enum<fb::Side>(e.side),
                                    cast_enum<fb::OrderType>(e.order_type),
                                    cast_enum<fb::TimeInForce>(e.time_in_force));
      return fb::CreateOrderPlaced(b, &f).Union();
    }
    case EventType::TradeExecuted: {
      const auto& e = event_cast<TradeExecuted>(h);
      const fb::TradeExecutedFields f(raw(e.trade_id), raw(e.buyer_order_id), raw(e.seller_order_id), e.price,
                                      e.quantity, raw(e.buyer_agent), raw(e.seller_agent),
                                      cast_enum<fb::Side>(e.aggressor_side));
      return fb::CreateTradeExecuted(b, &f).Union();
    }
    case EventType::QuoteUpdate: {
      const auto& e = event_cast<QuoteUpdate>(h);
      const fb::QuoteUpdateFields f(e.bid_price, e.ask_price, e.bid_size, e.ask_size);
      return fb::CreateQuoteUpdate(b, &f).Union();
    }
    case EventType::OrderBookSnapshot: {
      const auto& e = event_cast<OrderBookSnapshot>(h);
      const auto bids = levels(b, e.bids(), e.bid_count);
      const auto asks = levels(b, e.asks(), e.ask_count);
      const fb::OrderBookSnapshotFields f(e.sequence_number);
      return fb::CreateOrderBookSnapshot(b, &f, bids, asks).Union();
    }
    case EventType::TradingHalt: {
      const auto& e = event_cast<TradingHalt>(h);
      const fb::TradingHaltFields f(e.trigger_price, e.reference_price, e.decline_bps, e.halt_duration_secs, e.level,
                                    cast_enum<fb::HaltReason>(e.reason));
      return fb::CreateTradingHalt(b, &f).Union();
    }
    case EventType::TradingResume: {
      const auto& e = event_cast<TradingResume>(h);
      const fb::TradingResumeFields f(e.halted_at_ns, e.halt_duration_secs, e.level);
      return fb::CreateTradingResume(b, &f).Union();
    }
    case EventType::AgentAction: {
      const auto& e = event_cast<AgentAction>(h);
      const auto details = b.CreateVectorOfStructs<fb::AgentDetail>(
          e.detail_count,
          [](std::size_t i, fb::AgentDetail* out, const AgentDetail* src) {
            *out = fb::AgentDetail(cast_enum<fb::DetailKey>(src[i].key), src[i].value);
          },
          e.details);
      const fb::AgentActionFields f(raw(e.agent), cast_enum<fb::AgentActionKind>(e.action));
      return fb::CreateAgentAction(b, &f, details).Union();
    }
    case EventType::MarketStats: {
      const auto& e = event_cast<MarketStats>(h);
      const fb::MarketStatsFields f(e.open, e.high, e.low, e.last, e.volume, e.notional_ticks, e.trade_count);
      return fb::CreateMarketStats(b, &f).Union();
    }
    case EventType::OrderCancelled: {
      const auto& e = event_cast<OrderCancelled>(h);
      const fb::OrderCancelledFields f(raw(e.order_id), e.price, e.remaining_quantity, raw(e.agent),
                                       cast_enum<fb::Side>(e.side), cast_enum<fb::CancelReason>(e.reason));
      return fb::CreateOrderCancelled(b, &f).Union();
    }
    case EventType::TradeAggregate: {
      const auto& e = event_cast<TradeAggregate>(h);
      const fb::TradeAggregateFields f(e.window_start_ns, e.window_end_ns, e.computed_at_ns, e.total_volume,
                                       e.total_value_ticks, e.open, e.high, e.low, e.close, e.trade_count,
                                       e.buy_count, e.sell_count, e.revision, e.flags);
      return fb::CreateTradeAggregate(b, &f).Union();
    }
    case EventType::PriceAlert: {
      const auto& e = event_cast<PriceAlert>(h);
      const fb::PriceAlertFields f(e.baseline_price, e.current_price, e.window_start_ns, e.detected_at_ns,
                                   cast_enum<fb::AlertKind>(e.kind), cast_enum<fb::AlertDirection>(e.direction),
                                   cast_enum<fb::AlertSeverity>(e.severity));
      return fb::CreatePriceAlert(b, &f).Union();
    }
    case EventType::OrderBookMetrics: {
      const auto& e = event_cast<OrderBookMetrics>(h);
      const fb::OrderBookMetricsFields f(e.best_bid, e.best_ask, e.bid_depth[0], e.bid_depth[1], e.bid_depth[2],
                                         e.ask_depth[0], e.ask_depth[1], e.ask_depth[2], e.snapshot_sequence,
                                         e.bid_levels, e.ask_levels);
      return fb::CreateOrderBookMetrics(b, &f).Union();
    }
    case EventType::EnrichedTrade: {
      const auto& e = event_cast<EnrichedTrade>(h);
      const auto text = [&b](std::string_view t) { return b.CreateString(t.data(), t.size()); };
      const auto company = text(text_of(e.company_name));
      const auto sector = text(text_of(e.sector));
      const auto industry = text(text_of(e.industry));
      const auto tier = text(text_of(e.market_cap_tier));
      const auto exchange = text(text_of(e.listed_exchange));
      const fb::EnrichedTradeFields f(raw(e.trade_id), raw(e.buyer_order_id), raw(e.seller_order_id), e.price,
                                      e.enriched_at_ns, e.quantity, raw(e.buyer_agent), raw(e.seller_agent),
                                      cast_enum<fb::Side>(e.aggressor_side), e.reference_found != 0);
      return fb::CreateEnrichedTrade(b, &f, company, sector, industry, tier, exchange).Union();
    }
    case EventType::OrderFlowImbalance: {
      const auto& e = event_cast<OrderFlowImbalance>(h);
      const fb::OrderFlowImbalanceFields f(e.window_start_ns, e.window_end_ns, e.ofi, e.bid_flow, e.ask_flow,
                                           e.depth_sum, e.update_count, e.best_bid, e.best_ask, e.bid_size,
                                           e.ask_size, e.flags);
      return fb::CreateOrderFlowImbalance(b, &f).Union();
    }
  }
  return 0;  // unreachable: check_frame accepted the type
}

// ---- decoding

// Zeroes the frame's bytes (reserved fields read as 0, as writers leave them) and
// fills the header from the message's header struct.
template <EventFrame Event>
Event& start_frame(FrameBuffer& out, const fb::EventHeader& msg, std::uint32_t length) noexcept {
  std::memset(out.bytes, 0, length);
  Event& e = out.as<Event>();
  e.header.length = length;
  e.header.type = Event::kType;
  e.header.schema_version = msg.schema_version();
  e.header.symbol = SymbolId{msg.symbol_id()};
  e.header.sequence = msg.sequence();
  e.header.event_time_ns = msg.event_time_ns();
  e.header.publish_time_ns = msg.publish_time_ns();
  return e;
}

// The verifier checks struct vectors only for 4-byte alignment, so a message from
// elsewhere may hold 8-byte members off their alignment: elements are copied out,
// never read in place. (Struct fields of tables are verified at their own
// alignment and read in place.)
template <class Struct>
Struct element(const flatbuffers::Vector<const Struct*>& v, std::size_t i) noexcept {
  Struct s;
  std::memcpy(&s, v.Data() + i * sizeof(Struct), sizeof(Struct));
  return s;
}

std::size_t size_of(const flatbuffers::Vector<const fb::PriceLevel*>* v) noexcept { return v ? v->size() : 0; }

void copy_levels(const flatbuffers::Vector<const fb::PriceLevel*>* in, PriceLevel* out) noexcept {
  if (!in) return;  // an absent vector is an empty side
  for (std::size_t i = 0; i < in->size(); ++i) {
    const fb::PriceLevel level = element(*in, i);
    out[i] = PriceLevel{level.price_ticks(), level.quantity()};
  }
}

// A string field into a NUL-padded text; an absent string is an empty text.
// False when it does not fit.
template <std::size_t N>
bool copy_text(const flatbuffers::String* in, char (&out)[N]) noexcept {
  if (in == nullptr) return set_text(out, "");  // not {}: set_text would memcpy from a null pointer
  return set_text(out, std::string_view(in->c_str(), in->size()));
}

// The trade's own fields, shared by TradeExecuted and EnrichedTrade (the same
// members in the frame, the same accessors in their fields structs).
template <class Fields, class Trade>
void decode_trade(const Fields& m, Trade& e) noexcept {
  e.trade_id = TradeId{m.trade_id()};
  e.buyer_order_id = OrderId{m.buyer_order_id()};
  e.seller_order_id = OrderId{m.seller_order_id()};
  e.price = m.price_ticks();
  e.quantity = m.quantity();
  e.buyer_agent = AgentId{m.buyer_agent_id()};
  e.seller_agent = AgentId{m.seller_agent_id()};
  e.aggressor_side = cast_enum<Side>(m.aggressor_side());
}

// The body table of the tag's type and its fields struct, or null where either
// is absent: the writer always sets the struct, so a table without it is malformed.
template <class Table>
const auto* fields_of(const fb::Event& msg) noexcept {
  const auto* table = msg.body_as<Table>();
  return table ? table->fields() : nullptr;
}

// Precondition: msg is verified, its header is present and its body is present
// and of its tag's type.
FrameError decode_body(const fb::Event& msg, const fb::EventHeader& header, FrameBuffer& out) noexcept {
  switch (msg.body_type()) {
    case fb::EventBody::OrderPlaced: {
      const auto* m = fields_of<fb::OrderPlaced>(msg);
      if (!m) break;
      auto& e = start_frame<OrderPlaced>(out, header, sizeof(OrderPlaced));
      e.order_id = OrderId{m->order_id()};
      e.price = m->price_ticks();
      e.quantity = m->quantity();
      e.agent = AgentId{m->agent_id()};
      e.side = cast_enum<Side>(m->side());
      e.order_type = cast_enum<OrderType>(m->order_type());
      e.time_in_force = cast_enum<TimeInForce>(m->time_in_force());
      return FrameError::None;
    }
    case fb::EventBody::TradeExecuted: {
      const auto* m = fields_of<fb::TradeExecuted>(msg);
      if (!m) break;
      auto& e = start_frame<TradeExecuted>(out, header, sizeof(TradeExecuted));
      decode_trade(*m, e);
      return FrameError::None;
    }
    case fb::EventBody::QuoteUpdate: {
      const auto* m = fields_of<fb::QuoteUpdate>(msg);
      if (!m) break;
      auto& e = start_frame<QuoteUpdate>(out, header, sizeof(QuoteUpdate));
      e.bid_price = m->bid_price_ticks();
      e.ask_price = m->ask_price_ticks();
      e.bid_size = m->bid_size();
      e.ask_size = m->ask_size();
      return FrameError::None;
    }
    case fb::EventBody::OrderBookSnapshot: {
      const auto* table = msg.body_as_OrderBookSnapshot();
      const auto* m = table ? table->fields() : nullptr;
      if (!m) break;
      const std::size_t bids = size_of(table->bids());
      const std::size_t asks = size_of(table->asks());
      if (bids > kMaxBookDepth || asks > kMaxBookDepth) return FrameError::TooManyLevels;
      auto& e = start_frame<OrderBookSnapshot>(out, header, snapshot_frame_length(bids, asks));
      e.sequence_number = m->sequence_number();
      e.bid_count = static_cast<std::uint16_t>(bids);
      e.ask_count = static_cast<std::uint16_t>(asks);
      copy_levels(table->bids(), e.levels);
      copy_levels(table->asks(), e.levels + bids);
      return FrameError::None;
    }
    case fb::EventBody::TradingHalt: {
      const auto* m = fields_of<fb::TradingHalt>(msg);
      if (!m) break;
      auto& e = start_frame<TradingHalt>(out, header, sizeof(TradingHalt));
      e.trigger_price = m->trigger_price_ticks();
      e.reference_price = m->reference_price_ticks();
      e.decline_bps = m->decline_bps();
      e.halt_duration_secs = m->halt_duration_secs();
      e.level = m->level();
      e.reason = cast_enum<HaltReason>(m->reason());
      return FrameError::None;
    }
    case fb::EventBody::TradingResume: {
      const auto* m = fields_of<fb::TradingResume>(msg);
      if (!m) break;
      auto& e = start_frame<TradingResume>(out, header, sizeof(TradingResume));
      e.halted_at_ns = m->halted_at_ns();
      e.halt_duration_secs = m->halt_duration_secs();
      e.level = m->level();
      return FrameError::None;
    }
    case fb::EventBody::AgentAction: {
      const auto* table = msg.body_as_AgentAction();
      const auto* m = table ? table->fields() : nullptr;
      if (!m) break;
      const auto* details = table->details();
      const std::size_t count = details ? details->size() : 0;
      if (count > kMaxAgentDetails) return FrameError::TooManyDetails;
      auto& e = start_frame<AgentAction>(out, header, agent_action_frame_length(count));
      e.agent = AgentId{m->agent_id()};
      e.action = cast_enum<AgentActionKind>(m->action());
      e.detail_count = static_cast<std::uint8_t>(count);
      for (std::size_t i = 0; i < count; ++i) {
        const fb::AgentDetail d = element(*details, i);
        e.details[i].key = cast_enum<DetailKey>(d.key());
        e.details[i].value = d.value();
      }
      return FrameError::None;
    }
    case fb::EventBody::MarketStats: {
      const auto* m = fields_of<fb::MarketStats>(msg);
      if (!m) break;
      auto& e = start_frame<MarketStats>(out, header, sizeof(MarketStats));
      e.open = m->open_ticks();
      e.high = m->high_ticks();
      e.low = m->low_ticks();
      e.last = m->last_ticks();
      e.volume = m->volume();
      e.notional_ticks = m->notional_ticks();
      e.trade_count = m->trade_count();
      return FrameError::None;
    }
    case fb::EventBody::OrderCancelled: {
      const auto* m = fields_of<fb::OrderCancelled>(msg);
      if (!m) break;
      auto& e = start_frame<OrderCancelled>(out, header, sizeof(OrderCancelled));
      e.order_id = OrderId{m->order_id()};
      e.price = m->price_ticks();
      e.remaining_quantity = m->remaining_quantity();
      e.agent = AgentId{m->agent_id()};
      e.side = cast_enum<Side>(m->side());
      e.reason = cast_enum<CancelReason>(m->reason());
      return FrameError::None;
    }
    case fb::EventBody::TradeAggregate: {
      const auto* m = fields_of<fb::TradeAggregate>(msg);
      if (!m) break;
      auto& e = start_frame<TradeAggregate>(out, header, sizeof(TradeAggregate));
      e.window_start_ns = m->window_start_ns();
      e.window_end_ns = m->window_end_ns();
      e.computed_at_ns = m->computed_at_ns();
      e.total_volume = m->total_volume();
      e.total_value_ticks = m->total_value_ticks();
      e.open = m->open_ticks();
      e.high = m->high_ticks();
      e.low = m->low_ticks();
      e.close = m->close_ticks();
      e.trade_count = m->trade_count();
      e.buy_count = m->buy_count();
      e.sell_count = m->sell_count();
      e.revision = m->revision();
      e.flags = m->flags();
      return FrameError::None;
    }
    case fb::EventBody::PriceAlert: {
      const auto* m = fields_of<fb::PriceAlert>(msg);
      if (!m) break;
      auto& e = start_frame<PriceAlert>(out, header, sizeof(PriceAlert));
      e.baseline_price = m->baseline_price_ticks();
      e.current_price = m->current_price_ticks();
      e.window_start_ns = m->window_start_ns();
      e.detected_at_ns = m->detected_at_ns();
      e.kind = cast_enum<AlertKind>(m->kind());
      e.direction = cast_enum<AlertDirection>(m->direction());
      e.severity = cast_enum<AlertSeverity>(m->severity());
      return FrameError::None;
    }
    case fb::EventBody::OrderBookMetrics: {
      const auto* m = fields_of<fb::OrderBookMetrics>(msg);
      if (!m) break;
      auto& e = start_frame<OrderBookMetrics>(out, header, sizeof(OrderBookMetrics));
      e.best_bid = m->best_bid_ticks();
      e.best_ask = m->best_ask_ticks();
      e.bid_depth[0] = m->bid_depth_5();
      e.bid_depth[1] = m->bid_depth_10();
      e.bid_depth[2] = m->bid_depth_20();
      e.ask_depth[0] = m->ask_depth_5();
      e.ask_depth[1] = m->ask_depth_10();
      e.ask_depth[2] = m->ask_depth_20();
      e.snapshot_sequence = m->snapshot_sequence();
      e.bid_levels = m->bid_levels();
      e.ask_levels = m->ask_levels();
      return FrameError::None;
    }
    case fb::EventBody::EnrichedTrade: {
      const auto* table = msg.body_as_EnrichedTrade();
      const auto* m = table ? table->fields() : nullptr;
      if (!m) break;
      auto& e = start_frame<EnrichedTrade>(out, header, sizeof(EnrichedTrade));
      decode_trade(*m, e);
      e.reference_found = m->reference_found() ? 1 : 0;
      e.enriched_at_ns = m->enriched_at_ns();
      const bool fits = copy_text(table->company_name(), e.company_name) && copy_text(table->sector(), e.sector) &&
                        copy_text(table->industry(), e.industry) &&
                        copy_text(table->market_cap_tier(), e.market_cap_tier) &&
                        copy_text(table->listed_exchange(), e.listed_exchange);
      return fits ? FrameError::None : FrameError::BadText;
    }
    case fb::EventBody::OrderFlowImbalance: {
      const auto* m = fields_of<fb::OrderFlowImbalance>(msg);
      if (!m) break;
      auto& e = start_frame<OrderFlowImbalance>(out, header, sizeof(OrderFlowImbalance));
      e.window_start_ns = m->window_start_ns();
      e.window_end_ns = m->window_end_ns();
      e.ofi = m->ofi();
      e.bid_flow = m->bid_flow();
      e.ask_flow = m->ask_flow();
      e.depth_sum = m->depth_sum();
      e.update_count = m->update_count();
      e.best_bid = m->best_bid_ticks();
      e.best_ask = m->best_ask_ticks();
      e.bid_size = m->bid_size();
      e.ask_size = m->ask_size();
      e.flags = m->flags();
      return FrameError::None;
    }
    case fb::EventBody::NONE: break;
  }
  return FrameError::BadEncoding;
}

// Precondition: message is aligned and at most kMaxMessageLength bytes.
FrameError decode_aligned(std::span<const std::uint8_t> message, FrameBuffer& out,
                          std::size_t symbol_count) noexcept {
  flatbuffers::Verifier verifier(message.data(), message.size());
  if (!fb::VerifyEventBuffer(verifier)) return FrameError::BadEncoding;  // also checks "RSEV"
  const fb::Event* msg = fb::GetEvent(message.data());

  // The verifier accepts unknown union tags (forward compatibility), absent
  // bodies and absent struct fields; a frame needs a known body that is present,
  // and every struct.
  const auto tag = static_cast<std::uint8_t>(msg->body_type());
  if (tag < kMinEventType || tag > kMaxEventType || msg->body() == nullptr) return FrameError::BadEncoding;
  // The writer always sets the header struct; without it there is no frame header.
  const fb::EventHeader* header = msg->header();
  if (header == nullptr) return FrameError::BadEncoding;

  if (const FrameError error = decode_body(*msg, *header, out); error != FrameError::None) return error;
  return check_frame(out.bytes, out.header().length, symbol_count);
}

}  // namespace

struct FlatBuffersEncoder::Impl {
  explicit Impl(const SymbolTable& table) : symbols(table), builder(kBuilderSize) {
    entries.reserve(table.size());
    for (const Instrument& instrument : table) entries.push_back(symbol_entry(instrument));
    // The builder allocates on first use; make that now rather than on the first event.
    builder.CreateString("");
    builder.Clear();
  }

  const SymbolTable& symbols;
  std::vector<SymbolEntry> entries;  // by symbol id
  Builder builder;
  FrameBuffer aligned;  // copy of a frame handed over at an unaligned address
};

FlatBuffersEncoder::FlatBuffersEncoder(const SymbolTable& symbols) : impl_(std::make_unique<Impl>(symbols)) {}

FlatBuffersEncoder::~FlatBuffersEncoder() = default;

// Flattened: every builder step (make_space, Align, EndTable, ...) is inlined
// here; called out of line, as the compiler otherwise leaves them, they add a
// sixth to the instructions per event.
[[gnu::flatten]] Encoded FlatBuffersEncoder::encode(const void* frame, std::size_t size) noexcept {
  if (const FrameError error = check_frame(frame, size, impl_->symbols.size()); error != FrameError::None) {
    return {{}, error};
  }
  const auto* h = static_cast<const FrameHeader*>(frame);
  if (reinterpret_cast<std::uintptr_t>(frame) % kFrameAlignment != 0) {
    // Ring frames are aligned and read in place; bytes from elsewhere via an aligned copy.
    std::uint32_t length = 0;
    std::memcpy(&length, frame, sizeof length);
    std::memcpy(impl_->aligned.bytes, frame, length);
    h = &impl_->aligned.header();
  }

  Builder& b = impl_->builder;
  b.Clear();  // keeps the buffer: no allocation once it has grown to the largest message
  const SymbolEntry& symbol = impl_->entries[raw(h->symbol)];
  const BodyOffset body = body_of(b, *h);
  const auto ticker = ticker_of(b, symbol, impl_->symbols[h->symbol]);
  const fb::EventHeader header(h->sequence, h->event_time_ns, h->publish_time_ns, symbol.tick_size, raw(h->symbol),
                               h->schema_version);
  add_root(b, header, cast_enum<fb::EventBody>(h->type), body, ticker);
  return {std::string_view(reinterpret_cast<const char*>(b.GetCurrentBufferPointer()), b.GetSize()), FrameError::None};
}

FrameError decode_flatbuffer(std::span<const std::uint8_t> message, FrameBuffer& out,
                             std::size_t symbol_count) noexcept {
  // Too short for a root offset and the identifier, or longer than any Event.
  if (message.size() < 2 * sizeof(flatbuffers::uoffset_t) || message.size() > kMaxMessageLength) {
    return FrameError::BadEncoding;
  }
  // FlatBuffers reads scalars in place, assuming the buffer starts aligned to its
  // largest scalar; a message at an odd address (a network buffer at any offset)
  // is decoded from an aligned copy.
  if (reinterpret_cast<std::uintptr_t>(message.data()) % alignof(flatbuffers::largest_scalar_t) != 0) {
    alignas(flatbuffers::largest_scalar_t) std::uint8_t copy[kMaxMessageLength];
    std::memcpy(copy, message.data(), message.size());
    return decode_aligned({copy, message.size()}, out, symbol_count);
  }
  return decode_aligned(message, out, symbol_count);
}

}  // namespace ringside
