// FlatBuffers codec: every event type survives frame -> FlatBuffer -> frame
// byte for byte, the message reads correctly through the generated API, and
// malformed messages are errors, never crashes.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringside/core/flatbuffers_codec.hpp"
#include "ringside/core/sample_events.hpp"
#include "ringside/fb/events_generated.h"
#include "test_symbols.hpp"

namespace ringside {
namespace {

using test::test_symbols;  // three tick sizes: 0.01, 0.05 and 0.0001

constexpr std::int64_t kStartNs = 1'771'425'000'000'000'000;  // 2026-02-18T14:30:00Z
constexpr int kFramesPerMode = 2'000;

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::vector<std::uint8_t> copy_of(std::string_view s) {
  const auto b = bytes_of(s);
  return {b.begin(), b.end()};
}

// Checks the message through the generated API against the frame it came from.
void expect_readable(std::span<const std::uint8_t> message, const FrameHeader& frame, const SymbolTable& symbols) {
  flatbuffers::Verifier verifier(message.data(), message.size());
  ASSERT_TRUE(fb::VerifyEventBuffer(verifier));
  ASSERT_TRUE(fb::EventBufferHasIdentifier(message.data()));
  const fb::Event* msg = fb::GetEvent(message.data());
  const Instrument& instrument = symbols[frame.symbol];
  const flatbuffers::String* ticker = msg->symbol();
  ASSERT_NE(ticker, nullptr);
  EXPECT_EQ(ticker->string_view(), instrument.ticker);
  const fb::EventHeader* header = msg->header();
  ASSERT_NE(header, nullptr);
  EXPECT_EQ(header->tick_size(), instrument.scale.tick_size());
  EXPECT_EQ(header->symbol_id(), raw(frame.symbol));
  EXPECT_EQ(header->schema_version(), frame.schema_version);
  EXPECT_EQ(header->sequence(), frame.sequence);
  EXPECT_EQ(header->event_time_ns(), frame.event_time_ns);
  EXPECT_EQ(header->publish_time_ns(), frame.publish_time_ns);
  EXPECT_EQ(static_cast<int>(msg->body_type()), static_cast<int>(frame.type));
  ASSERT_NE(msg->body(), nullptr);

  switch (frame.type) {
    case EventType::OrderBookSnapshot: {
      const auto& e = *reinterpret_cast<const OrderBookSnapshot*>(&frame);
      const fb::OrderBookSnapshot* m = msg->body_as_OrderBookSnapshot();
      ASSERT_NE(m, nullptr);
      const fb::OrderBookSnapshotFields* f = m->fields();
      ASSERT_NE(f, nullptr);
      EXPECT_EQ(f->sequence_number(), e.sequence_number);
      const auto* bids = m->bids();
      const auto* asks = m->asks();
      ASSERT_NE(bids, nullptr);
      ASSERT_NE(asks, nullptr);
      ASSERT_EQ(bids->size(), e.bid_count);
      ASSERT_EQ(asks->size(), e.ask_count);
      if (e.ask_count > 0) {
        EXPECT_EQ(asks->Get(0)->price_ticks(), e.asks()[0].price);
      }
      break;
    }
    case EventType::AgentAction: {
      const auto& e = *reinterpret_cast<const AgentAction*>(&frame);
      const fb::AgentAction* m = msg->body_as_AgentAction();
      ASSERT_NE(m, nullptr);
      const auto* details = m->details();
      ASSERT_NE(details, nullptr);
      ASSERT_EQ(details->size(), e.detail_count);
      const fb::AgentActionFields* f = m->fields();
      ASSERT_NE(f, nullptr);
      EXPECT_EQ(f->agent_id(), raw(e.agent));
      break;
    }
    case EventType::TradeExecuted: {
      const auto& e = *reinterpret_cast<const TradeExecuted*>(&frame);
      const fb::TradeExecuted* m = msg->body_as_TradeExecuted();
      ASSERT_NE(m, nullptr);
      const fb::TradeExecutedFields* f = m->fields();
      ASSERT_NE(f, nullptr);
      EXPECT_EQ(f->price_ticks(), e.price);
      EXPECT_EQ(f->trade_id(), raw(e.trade_id));
      EXPECT_EQ(f->seller_agent_id(), raw(e.seller_agent));
      break;
    }
    case EventType::MarketStats: {
      const auto& e = *reinterpret_cast<const MarketStats*>(&frame);
      const fb::MarketStats* m = msg->body_as_MarketStats();
      ASSERT_NE(m, nullptr);
      const fb::MarketStatsFields* f = m->fields();
      ASSERT_NE(f, nullptr);
      EXPECT_EQ(f->notional_ticks(), e.notional_ticks);
      EXPECT_EQ(f->trade_count(), e.trade_count);
      break;
    }
    case EventType::OrderPlaced: {
      const auto& e = *reinterpret_cast<const OrderPlaced*>(&frame);
      const fb::OrderPlaced* m = msg->body_as_OrderPlaced();
      ASSERT_NE(m, nullptr);
      const fb::OrderPlacedFields* f = m->fields();
      ASSERT_NE(f, nullptr);
      EXPECT_EQ(f->order_id(), raw(e.order_id));
      EXPECT_EQ(f->price_ticks(), e.price);
      EXPECT_EQ(f->quantity(), e.quantity);
      EXPECT_EQ(static_cast<int>(f->time_in_force()), static_cast<int>(e.time_in_force));
      break;
    }
    default: break;
  }
}

// Encodes `frame`, decodes the message and expects the identical frame back.
void expect_round_trip(FlatBuffersEncoder& encoder, const FrameHeader& frame, const SymbolTable& symbols) {
  const Encoded encoded = encoder.encode(frame);
  ASSERT_TRUE(encoded) << to_string(encoded.error);
  ASSERT_FALSE(encoded.bytes.empty());

  FrameBuffer out;
  std::memset(out.bytes, 0xA5, sizeof out.bytes);  // reserved bytes must come back zero, not stale
  ASSERT_EQ(decode_flatbuffer(bytes_of(encoded.bytes), out, symbols.size()), FrameError::None);
  ASSERT_EQ(out.header().length, frame.length);
  ASSERT_EQ(std::memcmp(out.bytes, &frame, frame.length), 0) << to_string(frame.type) << " seq " << frame.sequence;
  expect_readable(bytes_of(encoded.bytes), frame, symbols);
}

void round_trip_many(EventType type) {
  const SymbolTable symbols = test_symbols();
  FlatBuffersEncoder encoder(symbols);
  for (const bool extremes : {false, true}) {
    SCOPED_TRACE(extremes ? "extremes" : "typical");
    SampleEvents gen(symbols, 0xF1A7'0000u + static_cast<unsigned>(type), kStartNs);
    gen.set_extremes(extremes);
    for (int i = 0; i < kFramesPerMode; ++i) {
      const FrameHeader& frame = gen.make(type);
      ASSERT_EQ(frame.type, type);
      expect_round_trip(encoder, frame, symbols);
      if (testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST(FlatBuffersRoundTrip, OrderPlaced) { round_trip_many(EventType::OrderPlaced); }
TEST(FlatBuffersRoundTrip, TradeExecuted) { round_trip_many(EventType::TradeExecuted); }
TEST(FlatBuffersRoundTrip, QuoteUpdate) { round_trip_many(EventType::QuoteUpdate); }
TEST(FlatBuffersRoundTrip, OrderBookSnapshot) { round_trip_many(EventType::OrderBookSnapshot); }
TEST(FlatBuffersRoundTrip, TradingHalt) { round_trip_many(EventType::TradingHalt); }
TEST(FlatBuffersRoundTrip, TradingResume) { round_trip_many(EventType::TradingResume); }
TEST(FlatBuffersRoundTrip, AgentAction) { round_trip_many(EventType::AgentAction); }
TEST(FlatBuffersRoundTrip, MarketStats) { round_trip_many(EventType::MarketStats); }
TEST(FlatBuffersRoundTrip, OrderCancelled) { round_trip_many(EventType::OrderCancelled); }
TEST(FlatBuffersRoundTrip, TradeAggregate) { round_trip_many(EventType::TradeAggregate); }
TEST(FlatBuffersRoundTrip, PriceAlert) { round_trip_many(EventType::PriceAlert); }
TEST(FlatBuffersRoundTrip, OrderBookMetrics) { round_trip_many(EventType::OrderBookMetrics); }
TEST(FlatBuffersRoundTrip, EnrichedTrade) { round_trip_many(EventType::EnrichedTrade); }
TEST(FlatBuffersRoundTrip, OrderFlowImbalance) { round_trip_many(EventType::OrderFlowImbalance); }

// One encoder, its builder reused across types and sizes (full snapshot, then a quote...).
TEST(FlatBuffersRoundTrip, MixedTypesReuseOneEncoder) {
  const SymbolTable symbols = test_symbols();
  FlatBuffersEncoder encoder(symbols);
  SampleEvents gen(symbols, 42, kStartNs);
  gen.set_extremes(true);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5'000; ++i) {
    const EventType type = kAllEventTypes[rng() % kEventTypeCount];
    expect_round_trip(encoder, gen.make(type), symbols);
    if (HasFatalFailure()) return;
  }
}

// The encoder writes the Event table and the root offset as one fixed block
// (core/src/flatbuffers_codec.cpp). It must be exactly what the generated API
// writes behind the same body and ticker.
TEST(FlatBuffersRoundTrip, RootBlockIsWhatTheBuilderWrites) {
  const SymbolTable symbols = test_symbols();
  FlatBuffersEncoder encoder(symbols);
  SampleEvents gen(symbols, 19, kStartNs);
  gen.set_extremes(true);
  for (std::size_t i = 0; i < 20 * kEventTypeCount; ++i) {
    const EventType type = kAllEventTypes[i % kEventTypeCount];
    const std::vector<std::uint8_t> message = copy_of(encoder.encode(gen.make(type)).bytes);
    const std::uint8_t* start = message.data();
    ASSERT_NE(start, nullptr);
    const fb::Event* msg = fb::GetEvent(start);
    ASSERT_NE(msg->header(), nullptr);
    ASSERT_NE(msg->symbol(), nullptr);
    ASSERT_NE(msg->body(), nullptr);
    const auto from_end = [&](const void* p) {
      return static_cast<flatbuffers::uoffset_t>(start + message.size() - static_cast<const std::uint8_t*>(p));
    };
    const flatbuffers::uoffset_t ticker = from_end(msg->symbol());
    const flatbuffers::uoffset_t body = from_end(msg->body());

    // The ticker is the last object before the Event table; the builder rebuilds the rest.
    flatbuffers::FlatBufferBuilder b;
    b.PushBytes(start + message.size() - ticker, ticker);
    b.Align(8);  // as the encoder does before the block
    fb::EventBuilder event(b);
    event.add_body_type(msg->body_type());
    event.add_header(msg->header());
    event.add_body(flatbuffers::Offset<void>(body));
    event.add_symbol(flatbuffers::Offset<flatbuffers::String>(ticker));
    fb::FinishEventBuffer(b, event.Finish());
    const std::vector<std::uint8_t> expected(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
    ASSERT_EQ(message, expected) << to_string(type);
  }
}

// Tickers up to kMaxTickerLength are copied from a prepared string; longer ones
// (a table built in code, not from a config or an image) are written in full.
TEST(FlatBuffersRoundTrip, TickersOfEveryLength) {
  const SymbolTable base = test_symbols();
  std::vector<Instrument> instruments(base.begin(), base.end());
  instruments[0].ticker = std::string(kMaxTickerLength, 'Q');
  instruments[1].ticker = std::string(kMaxTickerLength + 9, 'L');
  instruments[2].ticker = "";
  const SymbolTable symbols(std::move(instruments));
  FlatBuffersEncoder encoder(symbols);
  SampleEvents gen(symbols, 23, kStartNs);
  for (int i = 0; i < 300; ++i) {
    expect_round_trip(encoder, gen.make(kAllEventTypes[static_cast<std::size_t>(i) % kEventTypeCount]), symbols);
    if (HasFatalFailure()) return;
  }
}

// Frames and messages at odd addresses (a file read at any offset, a network buffer).
TEST(FlatBuffersRoundTrip, UnalignedFrameAndMessage) {
  const SymbolTable symbols = test_symbols();
  FlatBuffersEncoder encoder(symbols);
  SampleEvents gen(symbols, 3, kStartNs);
  gen.set_extremes(true);
  for (const EventType type : kAllEventTypes) {
    const FrameHeader& frame = gen.make(type);
    const std::vector<std::uint8_t> aligned_message = copy_of(encoder.encode(frame).bytes);

    std::vector<std::byte> shifted(frame.length + 1);
    std::memcpy(shifted.data() + 1, &frame, frame.length);
    const Encoded from_shifted = encoder.encode(shifted.data() + 1, frame.length);
    ASSERT_TRUE(from_shifted) << to_string(from_shifted.error);
    EXPECT_EQ(copy_of(from_shifted.bytes), aligned_message) << to_string(type);

    std::vector<std::uint8_t> shifted_message(aligned_message.size() + 1);
    std::memcpy(shifted_message.data() + 1, aligned_message.data(), aligned_message.size());
    FrameBuffer out;
    ASSERT_EQ(decode_flatbuffer(std::span(shifted_message).subspan(1), out, symbols.size()), FrameError::None);
    EXPECT_EQ(std::memcmp(out.bytes, &frame, frame.length), 0) << to_string(type);
  }
}

TEST(FlatBuffersRoundTrip, EncoderRejectsInvalidFrames) {
  const SymbolTable symbols = test_symbols();
  FlatBuffersEncoder encoder(symbols);
  SampleEvents gen(symbols, 5, kStartNs);

  FrameBuffer frame;
  std::memcpy(frame.bytes, &gen.make(EventType::OrderPlaced), sizeof(OrderPlaced));
  EXPECT_EQ(encoder.encode(frame.bytes, sizeof(OrderPlaced) - 8).error, FrameError::Truncated);

  frame.header().symbol = SymbolId{static_cast<std::uint16_t>(symbols.size())};
  EXPECT_EQ(encoder.encode(frame.header()).error, FrameError::UnknownSymbol);

  frame.header().symbol = SymbolId{0};
  frame.as<OrderPlaced>().side = static_cast<Side>(2);
  const Encoded bad_enum = encoder.encode(frame.header());
  EXPECT_EQ(bad_enum.error, FrameError::BadEnum);
  EXPECT_TRUE(bad_enum.bytes.empty());
}

// ---- Malformed messages

// A message built by hand with the generated API, to reach what the encoder never writes.
template <class MakeBody>
std::vector<std::uint8_t> hand_built(fb::EventBody tag, MakeBody make_body, std::uint16_t symbol_id = 0,
                                     std::uint8_t schema_version = kSchemaVersion) {
  flatbuffers::FlatBufferBuilder b;
  const flatbuffers::Offset<void> body = make_body(b);
  const auto ticker = b.CreateString("AAPL");
  const fb::EventHeader header(1, kStartNs, kStartNs + 10, 0.01, symbol_id, schema_version);
  fb::FinishEventBuffer(b, fb::CreateEvent(b, &header, ticker, tag, body));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

flatbuffers::Offset<void> quote_body(flatbuffers::FlatBufferBuilder& b) {
  const fb::QuoteUpdateFields fields(18'499, 18'501, 300, 200);
  return fb::CreateQuoteUpdate(b, &fields).Union();
}

FrameError decode(std::span<const std::uint8_t> message, std::size_t symbol_count = 3) {
  FrameBuffer out;
  return decode_flatbuffer(message, out, symbol_count);
}

// The control for the tests below: a well-formed hand-built message decodes.
TEST(FlatBuffersRoundTrip, HandBuiltMessageDecodes) {
  FrameBuffer out;
  ASSERT_EQ(decode_flatbuffer(hand_built(fb::EventBody::QuoteUpdate, quote_body), out, 3), FrameError::None);
  const auto& q = out.as<QuoteUpdate>();
  EXPECT_EQ(q.header.length, sizeof(QuoteUpdate));
  EXPECT_EQ(q.header.sequence, 1u);
  EXPECT_EQ(q.bid_price, 18'499);
  EXPECT_EQ(q.ask_size, 200);
}

TEST(FlatBuffersRoundTrip, EmptyBufferIsRejected) {
  EXPECT_NE(decode({}), FrameError::None);
  const std::uint8_t zeros[16] = {};
  EXPECT_NE(decode(zeros), FrameError::None);
}

TEST(FlatBuffersRoundTrip, EveryTruncationIsRejected) {
  const SymbolTable symbols = test_symbols();
  FlatBuffersEncoder encoder(symbols);
  SampleEvents gen(symbols, 11, kStartNs);
  gen.set_extremes(true);
  for (const EventType type : kAllEventTypes) {
    const std::vector<std::uint8_t> message = copy_of(encoder.encode(gen.make(type)).bytes);
    ASSERT_EQ(decode(message), FrameError::None);
    for (std::size_t n = 0; n < message.size(); ++n) {
      // A fresh allocation of exactly n bytes, so reading past it is caught by sanitizers.
      const std::vector<std::uint8_t> prefix(message.begin(), message.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_NE(decode(prefix), FrameError::None) << to_string(type) << " prefix " << n << " of " << message.size();
    }
  }
}

TEST(FlatBuffersRoundTrip, RandomGarbageIsRejected) {
  std::mt19937_64 rng(0xBADC0DE);
  for (int i = 0; i < 20'000; ++i) {
    std::vector<std::uint8_t> garbage(rng() % 600);
    for (auto& byte : garbage) byte = static_cast<std::uint8_t>(rng());
    EXPECT_NE(decode(garbage), FrameError::None) << "case " << i;
  }
}

// Random byte flips in valid messages reach deep into the verifier and the
// mapping. Some flips only change a value; the result must then still be a
// valid frame. Nothing may crash.
TEST(FlatBuffersRoundTrip, CorruptedMessagesNeverCrash) {
  const SymbolTable symbols = test_symbols();
  FlatBuffersEncoder encoder(symbols);
  SampleEvents gen(symbols, 13, kStartNs);
  gen.set_extremes(true);
  std::mt19937_64 rng(0xF11B);
  int rejected = 0;
  for (std::size_t i = 0; i < 20'000; ++i) {
    std::vector<std::uint8_t> message = copy_of(encoder.encode(gen.make(kAllEventTypes[i % kEventTypeCount])).bytes);
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) message[rng() % message.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    FrameBuffer out;
    const FrameError error = decode_flatbuffer(message, out, symbols.size());
    if (error == FrameError::None) {
      EXPECT_EQ(check_frame(out.bytes, out.header().length, symbols.size()), FrameError::None);
    } else {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0);
}

TEST(FlatBuffersRoundTrip, WrongFileIdentifierIsRejected) {
  std::vector<std::uint8_t> message = hand_built(fb::EventBody::QuoteUpdate, quote_body);
  ASSERT_EQ(decode(message), FrameError::None);
  std::memcpy(message.data() + sizeof(flatbuffers::uoffset_t), "RSEX", 4);
  EXPECT_EQ(decode(message), FrameError::BadEncoding);

  // The same table finished without any identifier.
  flatbuffers::FlatBufferBuilder b;
  const auto body = quote_body(b);
  const fb::EventHeader header(1, kStartNs, kStartNs, 0.01, 0, kSchemaVersion);
  b.Finish(fb::CreateEvent(b, &header, b.CreateString("AAPL"), fb::EventBody::QuoteUpdate, body));
  EXPECT_EQ(decode({b.GetBufferPointer(), b.GetSize()}), FrameError::BadEncoding);
}

TEST(FlatBuffersRoundTrip, UnknownSymbolIsRejected) {
  EXPECT_EQ(decode(hand_built(fb::EventBody::QuoteUpdate, quote_body, 3), 3), FrameError::UnknownSymbol);
  EXPECT_EQ(decode(hand_built(fb::EventBody::QuoteUpdate, quote_body, 0xFFFF), 3), FrameError::UnknownSymbol);

  // A valid message from a producer with a larger table than the reader's.
  const SymbolTable symbols = test_symbols();
  FlatBuffersEncoder encoder(symbols);
  SampleEvents gen(symbols, 17, kStartNs);
  for (int i = 0; i < 100; ++i) {
    const FrameHeader& frame = gen.make(EventType::TradeExecuted);
    if (raw(frame.symbol) == 0) continue;
    EXPECT_EQ(decode(bytes_of(encoder.encode(frame).bytes), 1), FrameError::UnknownSymbol);
  }
}

TEST(FlatBuffersRoundTrip, TooManyLevelsIsRejected) {
  const auto snapshot = [](std::size_t bids, std::size_t asks) {
    return hand_built(fb::EventBody::OrderBookSnapshot, [&](flatbuffers::FlatBufferBuilder& b) {
      const std::vector<fb::PriceLevel> bid_levels(bids, fb::PriceLevel(100, 10));
      const std::vector<fb::PriceLevel> ask_levels(asks, fb::PriceLevel(101, 10));
      const fb::OrderBookSnapshotFields fields(1);
      return fb::CreateOrderBookSnapshotDirect(b, &fields, &bid_levels, &ask_levels).Union();
    });
  };
  EXPECT_EQ(decode(snapshot(kMaxBookDepth, kMaxBookDepth)), FrameError::None);
  EXPECT_EQ(decode(snapshot(kMaxBookDepth + 1, 0)), FrameError::TooManyLevels);
  EXPECT_EQ(decode(snapshot(0, kMaxBookDepth + 1)), FrameError::TooManyLevels);
  EXPECT_EQ(decode(snapshot(200, 0)), FrameError::TooManyLevels);
  // Far beyond any valid Event: refused before verification.
  EXPECT_EQ(decode(snapshot(1'000, 1'000)), FrameError::BadEncoding);
}

// The verifier checks struct vectors only for 4-byte alignment; another producer
// may leave the 8-byte members of levels misaligned, and they must still decode.
TEST(FlatBuffersRoundTrip, MisalignedLevelsDecode) {
  bool misaligned_seen = false;
  for (const std::size_t pad : {0u, 4u}) {
    const auto message = hand_built(fb::EventBody::OrderBookSnapshot, [&](flatbuffers::FlatBufferBuilder& b) {
      if (pad != 0) b.PushElement<std::uint32_t>(0);
      const fb::PriceLevel bids[2] = {fb::PriceLevel(18'499, 5), fb::PriceLevel(18'498, 7)};
      b.StartVector(sizeof bids / 4, 4);  // 4-byte aligned only, as a verifier allows
      b.PushBytes(reinterpret_cast<const std::uint8_t*>(bids), sizeof bids);
      const flatbuffers::Offset<flatbuffers::Vector<const fb::PriceLevel*>> offset(b.EndVector(2));
      const fb::OrderBookSnapshotFields fields(9);
      return fb::CreateOrderBookSnapshot(b, &fields, offset).Union();
    });
    const std::uint8_t* start = message.data();
    ASSERT_NE(start, nullptr);
    const auto* snapshot = fb::GetEvent(start)->body_as_OrderBookSnapshot();
    ASSERT_NE(snapshot, nullptr);
    const auto* bids = snapshot->bids();
    ASSERT_NE(bids, nullptr);
    misaligned_seen |= (bids->Data() - start) % 8 != 0;

    FrameBuffer out;
    ASSERT_EQ(decode_flatbuffer(message, out, 3), FrameError::None);
    const auto& e = out.as<OrderBookSnapshot>();
    ASSERT_EQ(e.bid_count, 2);
    EXPECT_EQ(e.bids()[0].price, 18'499);
    EXPECT_EQ(e.bids()[1].quantity, 7);
  }
  EXPECT_TRUE(misaligned_seen);
}

TEST(FlatBuffersRoundTrip, TooManyDetailsIsRejected) {
  const auto action = [](std::size_t count) {
    return hand_built(fb::EventBody::AgentAction, [&](flatbuffers::FlatBufferBuilder& b) {
      const std::vector<fb::AgentDetail> details(count, fb::AgentDetail(fb::DetailKey::OrderQuantity, 100));
      const fb::AgentActionFields fields(raw(make_agent_id(AgentType::HFT, 3)), fb::AgentActionKind::PlaceOrder);
      return fb::CreateAgentActionDirect(b, &fields, &details).Union();
    });
  };
  EXPECT_EQ(decode(action(kMaxAgentDetails)), FrameError::None);
  EXPECT_EQ(decode(action(kMaxAgentDetails + 1)), FrameError::TooManyDetails);
}

// Raw values outside an enum survive decoding and are caught by check_frame.
TEST(FlatBuffersRoundTrip, OutOfRangeEnumsAreRejected) {
  const auto order = [](fb::Side side, std::uint32_t agent) {
    return hand_built(fb::EventBody::OrderPlaced, [&](flatbuffers::FlatBufferBuilder& b) {
      const fb::OrderPlacedFields fields(1, 100, 10, agent, side, fb::OrderType::Limit, fb::TimeInForce::GTC);
      return fb::CreateOrderPlaced(b, &fields).Union();
    });
  };
  const std::uint32_t retail = raw(make_agent_id(AgentType::Retail, 42));
  EXPECT_EQ(decode(order(fb::Side::Sell, retail)), FrameError::None);
  EXPECT_EQ(decode(order(static_cast<fb::Side>(2), retail)), FrameError::BadEnum);
  EXPECT_EQ(decode(order(fb::Side::Buy, (7u << 24) | 42u)), FrameError::BadEnum);

  const auto cancel = hand_built(fb::EventBody::OrderCancelled, [](flatbuffers::FlatBufferBuilder& b) {
    const fb::OrderCancelledFields fields(1, 100, 10, 0, fb::Side::Buy, static_cast<fb::CancelReason>(200));
    return fb::CreateOrderCancelled(b, &fields).Union();
  });
  EXPECT_EQ(decode(cancel), FrameError::BadEnum);

  const auto detail = hand_built(fb::EventBody::AgentAction, [](flatbuffers::FlatBufferBuilder& b) {
    const std::vector<fb::AgentDetail> details{fb::AgentDetail(static_cast<fb::DetailKey>(15), 1)};
    const fb::AgentActionFields fields(0, fb::AgentActionKind::CancelOrder);
    return fb::CreateAgentActionDirect(b, &fields, &details).Union();
  });
  EXPECT_EQ(decode(detail), FrameError::BadEnum);
}

TEST(FlatBuffersRoundTrip, MissingOrUnknownBodyIsRejected) {
  const auto none = [](flatbuffers::FlatBufferBuilder&) { return flatbuffers::Offset<void>(); };
  EXPECT_EQ(decode(hand_built(fb::EventBody::NONE, none)), FrameError::BadEncoding);
  EXPECT_EQ(decode(hand_built(fb::EventBody::QuoteUpdate, none)), FrameError::BadEncoding);
  // A tag from a future schema: the verifier lets it pass, the decoder must not.
  EXPECT_EQ(decode(hand_built(static_cast<fb::EventBody>(kMaxEventType + 1), quote_body)), FrameError::BadEncoding);
  // The tag is the body's only type information: FlatBuffers tables do not name
  // their type. A tag whose struct is larger than the table behind it (here the
  // last bytes of the message) fails verification...
  EXPECT_EQ(decode(hand_built(fb::EventBody::MarketStats, quote_body)), FrameError::BadEncoding);
  EXPECT_EQ(decode(hand_built(fb::EventBody::TradeExecuted, quote_body)), FrameError::BadEncoding);
  // ...one whose struct fits reads the table as its own type: never a crash, and
  // a frame, if it gives one, that is valid.
  for (std::uint8_t tag = kMinEventType; tag <= kMaxEventType; ++tag) {
    FrameBuffer out;
    if (decode_flatbuffer(hand_built(static_cast<fb::EventBody>(tag), quote_body), out, 3) == FrameError::None) {
      EXPECT_EQ(check_frame(out.bytes, out.header().length, 3), FrameError::None) << int{tag};
    }
  }
}

// The writer always sets every struct; a table without its struct is malformed,
// whatever else it holds.
TEST(FlatBuffersRoundTrip, MissingFieldsStructIsRejected) {
  using Builder = flatbuffers::FlatBufferBuilder;
  const auto without_fields = [](fb::EventBody tag, flatbuffers::Offset<void> (*make)(Builder&)) {
    return decode(hand_built(tag, make));
  };
  EXPECT_EQ(without_fields(fb::EventBody::OrderPlaced, [](Builder& b) { return fb::CreateOrderPlaced(b).Union(); }),
            FrameError::BadEncoding);
  EXPECT_EQ(
      without_fields(fb::EventBody::TradeExecuted, [](Builder& b) { return fb::CreateTradeExecuted(b).Union(); }),
      FrameError::BadEncoding);
  EXPECT_EQ(without_fields(fb::EventBody::QuoteUpdate, [](Builder& b) { return fb::CreateQuoteUpdate(b).Union(); }),
            FrameError::BadEncoding);
  EXPECT_EQ(without_fields(fb::EventBody::OrderBookSnapshot,
                           [](Builder& b) {
                             const std::vector<fb::PriceLevel> levels(2, fb::PriceLevel(100, 10));
                             return fb::CreateOrderBookSnapshotDirect(b, nullptr, &levels, &levels).Union();
                           }),
            FrameError::BadEncoding);
  EXPECT_EQ(without_fields(fb::EventBody::TradingHalt, [](Builder& b) { return fb::CreateTradingHalt(b).Union(); }),
            FrameError::BadEncoding);
  EXPECT_EQ(
      without_fields(fb::EventBody::TradingResume, [](Builder& b) { return fb::CreateTradingResume(b).Union(); }),
      FrameError::BadEncoding);
  EXPECT_EQ(without_fields(fb::EventBody::AgentAction,
                           [](Builder& b) {
                             const std::vector<fb::AgentDetail> details{fb::AgentDetail(fb::DetailKey::Price, 100)};
                             return fb::CreateAgentActionDirect(b, nullptr, &details).Union();
                           }),
            FrameError::BadEncoding);
  EXPECT_EQ(without_fields(fb::EventBody::MarketStats, [](Builder& b) { return fb::CreateMarketStats(b).Union(); }),
            FrameError::BadEncoding);
  EXPECT_EQ(
      without_fields(fb::EventBody::OrderCancelled, [](Builder& b) { return fb::CreateOrderCancelled(b).Union(); }),
      FrameError::BadEncoding);
  EXPECT_EQ(
      without_fields(fb::EventBody::TradeAggregate, [](Builder& b) { return fb::CreateTradeAggregate(b).Union(); }),
      FrameError::BadEncoding);
  EXPECT_EQ(without_fields(fb::EventBody::PriceAlert, [](Builder& b) { return fb::CreatePriceAlert(b).Union(); }),
            FrameError::BadEncoding);
  EXPECT_EQ(without_fields(fb::EventBody::OrderBookMetrics,
                           [](Builder& b) { return fb::CreateOrderBookMetrics(b).Union(); }),
            FrameError::BadEncoding);
  EXPECT_EQ(without_fields(fb::EventBody::EnrichedTrade,
                           [](Builder& b) {
                             return fb::CreateEnrichedTradeDirect(b, nullptr, "Apple Inc.", "Technology").Union();
                           }),
            FrameError::BadEncoding);
  EXPECT_EQ(without_fields(fb::EventBody::OrderFlowImbalance,
                           [](Builder& b) { return fb::CreateOrderFlowImbalance(b).Union(); }),
            FrameError::BadEncoding);

  // An Event without its header struct.
  Builder b;
  const auto body = quote_body(b);
  const auto ticker = b.CreateString("AAPL");
  fb::FinishEventBuffer(b, fb::CreateEvent(b, nullptr, ticker, fb::EventBody::QuoteUpdate, body));
  EXPECT_EQ(decode({b.GetBufferPointer(), b.GetSize()}), FrameError::BadEncoding);
}

TEST(FlatBuffersRoundTrip, WrongSchemaVersionIsRejected) {
  EXPECT_EQ(decode(hand_built(fb::EventBody::QuoteUpdate, quote_body, 0, kSchemaVersion + 1)),
            FrameError::UnsupportedVersion);
}

}  // namespace
}  // namespace ringside
