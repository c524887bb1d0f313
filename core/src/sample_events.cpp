#include "ringside/core/sample_events.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace ringside {

// The engine's ring: the analytics records (10..14) are processors' and weigh 0.
//                                  Placed Trade Quote Snap  Halt Resume Action Stats Cancel
const EventMix kRealisticMix = {{3000, 800, 1100, 45, 1, 1, 3000, 45, 2008, 0, 0, 0, 0, 0}};

namespace {

template <class T>
T uniform(std::mt19937_64& rng, T lo, T hi) {
  return std::uniform_int_distribution<T>(lo, hi)(rng);
}

}  // namespace

SampleEvents::SampleEvents(const SymbolTable& symbols, std::uint64_t seed, std::int64_t start_time_ns)
    : symbols_(symbols), rng_(seed), time_ns_(start_time_ns) {}

const FrameHeader& SampleEvents::next(const EventMix& mix) {
  unsigned total = 0;
  for (unsigned w : mix.weight) total += w;
  unsigned pick = uniform<unsigned>(rng_, 0, total - 1);
  for (std::size_t i = 0; i < kEventTypeCount; ++i) {
    if (pick < mix.weight[i]) return make(static_cast<EventType>(i + 1));
    pick -= mix.weight[i];
  }
  return make(EventType::OrderPlaced);
}

const FrameHeader& SampleEvents::make(EventType type) {
  std::memset(frame_.bytes, 0, sizeof frame_.bytes);
  const auto symbol = SymbolId{uniform<std::uint16_t>(rng_, 0, static_cast<std::uint16_t>(symbols_.size() - 1))};
  const Instrument& instrument = symbols_[symbol];
  time_ns_ += uniform<std::int64_t>(rng_, 0, 2'000'000);

  const Ticks reference = std::max<Ticks>(instrument.initial_price, 100);
  auto price = [&] {
    if (extremes_ && uniform(rng_, 0, 7) == 0) {
      return uniform<Ticks>(rng_, 1, std::numeric_limits<Ticks>::max() / 4);
    }
    return reference + uniform<Ticks>(rng_, -reference / 10, reference / 10);
  };
  auto quantity = [&] {
    return extremes_ && uniform(rng_, 0, 7) == 0 ? uniform<Quantity>(rng_, 1, std::numeric_limits<Quantity>::max())
                                                 : uniform<Quantity>(rng_, 1, 10'000);
  };
  auto volume = [&] {
    return extremes_ && uniform(rng_, 0, 7) == 0 ? uniform<Volume>(rng_, 1, std::numeric_limits<Volume>::max() / 2)
                                                 : uniform<Volume>(rng_, 1, 100'000);
  };
  auto id = [&] {
    return extremes_ ? uniform<std::uint64_t>(rng_, 0, std::numeric_limits<std::uint64_t>::max())
                     : uniform<std::uint64_t>(rng_, 1, 10'000'000);
  };
  auto agent = [&] {
    const auto agent_type = static_cast<AgentType>(uniform<unsigned>(rng_, 0, kAgentTypeCount - 1));
    return make_agent_id(agent_type, extremes_ ? uniform<std::uint32_t>(rng_, 0, kMaxAgentIndex)
                                         : uniform<std::uint32_t>(rng_, 0, 999));
  };
  auto side = [&] { return static_cast<Side>(uniform(rng_, 0, 1)); };
  auto small = [&](unsigned max) { return static_cast<std::uint8_t>(uniform<unsigned>(rng_, 0, max)); };
  // A trade's own fields, in one draw order for TradeExecuted and EnrichedTrade.
  auto fill_trade = [&](auto& e) {
    e.trade_id = TradeId{id()};
    e.buyer_order_id = OrderId{id()};
    e.seller_order_id = OrderId{id()};
    e.price = price();
    e.quantity = quantity();
    e.buyer_agent = agent();
    e.seller_agent = agent();
    e.aggressor_side = side();
  };

  switch (type) {
    case EventType::OrderPlaced: {
      auto& e = frame_.as<OrderPlaced>();
      init_header(e, symbol, time_ns_);
      e.order_id = OrderId{id()};
      e.order_type = static_cast<OrderType>(small(kMaxOrderType));
      e.price = e.order_type == OrderType::Market ? 0 : price();
      e.quantity = quantity();
      e.agent = agent();
      e.side = side();
      e.time_in_force = static_cast<TimeInForce>(small(kMaxTimeInForce));
      break;
    }
    case EventType::TradeExecuted: {
      auto& e = frame_.as<TradeExecuted>();
      init_header(e, symbol, time_ns_);
      fill_trade(e);
      break;
    }
    case EventType::QuoteUpdate: {
      auto& e = frame_.as<QuoteUpdate>();
      init_header(e, symbol, time_ns_);
      const Ticks mid = price();
      const Ticks half = uniform<Ticks>(rng_, 1, 20);
      const unsigned shape = uniform(rng_, 0u, 9u);  // now and then a one-sided book
      if (shape != 0) {
        e.bid_price = mid - half;
        e.bid_size = volume();
      }
      if (shape != 1) {
        e.ask_price = mid + half + uniform<Ticks>(rng_, 0, 1);
        e.ask_size = volume();
      }
      break;
    }
    case EventType::OrderBookSnapshot: {
      auto& e = frame_.as<OrderBookSnapshot>();
      const auto depth = extremes_ ? kMaxBookDepth : std::size_t{20};
      e.bid_count = uniform<std::uint16_t>(rng_, 0, static_cast<std::uint16_t>(depth));
      e.ask_count = uniform<std::uint16_t>(rng_, 0, static_cast<std::uint16_t>(depth));
      init_header(e, symbol, time_ns_, snapshot_frame_length(e.bid_count, e.ask_count));
      e.sequence_number = sequence_ + 1;
      const Ticks mid = reference;
      for (std::uint16_t i = 0; i < e.bid_count; ++i) {
        e.levels[i] = {mid - 1 - i * uniform<Ticks>(rng_, 1, 3), volume()};
      }
      for (std::uint16_t i = 0; i < e.ask_count; ++i) {
        e.levels[e.bid_count + i] = {mid + 1 + i * uniform<Ticks>(rng_, 1, 3), volume()};
      }
      break;
    }
    case EventType::TradingHalt: {
      auto& e = frame_.as<TradingHalt>();
      init_header(e, symbol, time_ns_);
      e.level = static_cast<std::uint8_t>(uniform(rng_, 1, 3));
      static constexpr std::int32_t kThresholdBps[] = {700, 1300, 2000};
      static constexpr std::int32_t kDurations[] = {300, 600, 900};
      e.decline_bps = kThresholdBps[e.level - 1] + uniform<std::int32_t>(rng_, 0, 99);
      e.halt_duration_secs = kDurations[e.level - 1];
      e.reference_price = reference;
      e.trigger_price = reference - reference * e.decline_bps / 10'000;
      e.reason = HaltReason::CircuitBreaker;
      break;
    }
    case EventType::TradingResume: {
      auto& e = frame_.as<TradingResume>();
      init_header(e, symbol, time_ns_);
      e.level = static_cast<std::uint8_t>(uniform(rng_, 1, 3));
      e.halt_duration_secs = 300 * e.level;
      e.halted_at_ns = time_ns_ - std::int64_t{e.halt_duration_secs} * 1'000'000'000;
      break;
    }
    case EventType::AgentAction: {
      auto& e = frame_.as<AgentAction>();
      e.agent = agent();
      e.action = static_cast<AgentActionKind>(small(kMaxAgentActionKind));
      // Distinct keys: a JSON object must not repeat one.
      DetailKey keys[kMaxDetailKey + 1];
      for (unsigned k = 0; k <= kMaxDetailKey; ++k) keys[k] = static_cast<DetailKey>(k);
      std::shuffle(std::begin(keys), std::end(keys), rng_);
      e.detail_count = small(extremes_ ? kMaxAgentDetails : 4);
      for (std::uint8_t i = 0; i < e.detail_count; ++i) {
        AgentDetail& d = e.details[i];
        d.key = keys[i];
        switch (value_kind_of(d.key)) {
          case DetailValueKind::Side: d.value = small(kMaxSide); break;
          case DetailValueKind::OrderType: d.value = small(kMaxOrderType); break;
          case DetailValueKind::Strategy: d.value = small(kMaxStrategy); break;
          case DetailValueKind::Price: d.value = price(); break;
          case DetailValueKind::OrderId: d.value = static_cast<std::int64_t>(id() >> 1); break;
          case DetailValueKind::Integer: d.value = uniform<std::int64_t>(rng_, -10'000, 10'000); break;
        }
      }
      init_header(e, symbol, time_ns_, agent_action_frame_length(e.detail_count));
      break;
    }
    case EventType::MarketStats: {
      auto& e = frame_.as<MarketStats>();
      init_header(e, symbol, time_ns_);
      e.open = reference;
      e.low = reference - uniform<Ticks>(rng_, 0, reference / 20);
      e.high = reference + uniform<Ticks>(rng_, 0, reference / 20);
      e.last = uniform<Ticks>(rng_, e.low, e.high);
      e.trade_count = uniform<std::uint32_t>(rng_, 0, 5'000);
      if (e.trade_count != 0) {
        e.volume = uniform<Volume>(rng_, e.trade_count, std::int64_t{e.trade_count} * 1'000);
        e.notional_ticks = e.volume * uniform<Ticks>(rng_, e.low, e.high);
      }
      break;
    }
    case EventType::OrderCancelled: {
      auto& e = frame_.as<OrderCancelled>();
      init_header(e, symbol, time_ns_);
      e.order_id = OrderId{id()};
      e.price = price();
      e.remaining_quantity = quantity();
      e.agent = agent();
      e.side = side();
      e.reason = static_cast<CancelReason>(small(kMaxCancelReason));
      break;
    }
    case EventType::TradeAggregate: {
      auto& e = frame_.as<TradeAggregate>();
      static constexpr std::int64_t kMinute = 60'000'000'000;
      static constexpr std::int64_t kSizes[] = {kMinute, 5 * kMinute, 15 * kMinute};
      const std::int64_t size = kSizes[uniform(rng_, 0, 2)];
      e.window_start_ns = time_ns_ / size * size;
      e.window_end_ns = e.window_start_ns + size;
      init_header(e, symbol, e.window_end_ns);
      e.computed_at_ns = e.window_end_ns + uniform<std::int64_t>(rng_, 0, 40'000'000'000);
      e.trade_count = uniform<std::uint64_t>(rng_, 1, extremes_ ? std::uint64_t{1} << 40 : 5'000);
      e.buy_count = uniform<std::uint64_t>(rng_, 0, e.trade_count);
      e.sell_count = e.trade_count - e.buy_count;
      e.low = price();
      e.high = e.low + uniform<Ticks>(rng_, 0, reference / 10);
      e.open = uniform<Ticks>(rng_, e.low, e.high);
      e.close = uniform<Ticks>(rng_, e.low, e.high);
      e.total_volume = uniform<Volume>(rng_, static_cast<Volume>(e.trade_count),
                                       static_cast<Volume>(e.trade_count) * 1'000);
      e.total_value_ticks = extremes_ ? uniform<std::int64_t>(rng_, 0, std::numeric_limits<std::int64_t>::max())
                                      : e.total_volume * uniform<Ticks>(rng_, e.low, e.high);
      e.revision = static_cast<std::uint16_t>(uniform(rng_, 0, 7) == 0 ? uniform(rng_, 1, 3) : 0);
      e.flags = uniform(rng_, 0, 15) == 0 ? kRecordInputGap : 0;
      break;
    }
    case EventType::PriceAlert: {
      auto& e = frame_.as<PriceAlert>();
      init_header(e, symbol, time_ns_);
      e.kind = AlertKind::PriceMovement;
      e.baseline_price = price();
      e.direction = static_cast<AlertDirection>(small(kMaxAlertDirection));
      const Ticks move = e.baseline_price / 50 + uniform<Ticks>(rng_, 0, e.baseline_price / 5);
      e.current_price = e.direction == AlertDirection::Up ? e.baseline_price + move : e.baseline_price - move;
      e.severity = static_cast<AlertSeverity>(uniform<unsigned>(rng_, 1, kMaxAlertSeverity));
      e.window_start_ns = time_ns_ - uniform<std::int64_t>(rng_, 0, 300'000'000'000);
      e.detected_at_ns = time_ns_;
      break;
    }
    case EventType::OrderBookMetrics: {
      auto& e = frame_.as<OrderBookMetrics>();
      init_header(e, symbol, time_ns_);
      const auto depth = extremes_ ? kMaxBookDepth : std::size_t{20};
      e.bid_levels = uniform<std::uint16_t>(rng_, 0, static_cast<std::uint16_t>(depth));
      e.ask_levels = uniform<std::uint16_t>(rng_, 0, static_cast<std::uint16_t>(depth));
      e.best_bid = e.bid_levels == 0 ? 0 : reference - uniform<Ticks>(rng_, 1, 10);
      e.best_ask = e.ask_levels == 0 ? 0 : reference + uniform<Ticks>(rng_, 0, 10);
      // Extreme volumes are halved: three of them still sum within a Volume.
      const Volume divisor = extremes_ ? 2 : 1;
      for (std::size_t i = 0; i < kBookMetricDepths; ++i) {
        const Volume bid_more = e.bid_levels > (i == 0 ? 0 : kBookMetricLevels[i - 1]) ? volume() / divisor : 0;
        const Volume ask_more = e.ask_levels > (i == 0 ? 0 : kBookMetricLevels[i - 1]) ? volume() / divisor : 0;
        e.bid_depth[i] = (i == 0 ? 0 : e.bid_depth[i - 1]) + bid_more;
        e.ask_depth[i] = (i == 0 ? 0 : e.ask_depth[i - 1]) + ask_more;
      }
      e.snapshot_sequence = sequence_ + 1;
      break;
    }
    case EventType::EnrichedTrade: {
      auto& e = frame_.as<EnrichedTrade>();
      init_header(e, symbol, time_ns_);
      fill_trade(e);
      e.enriched_at_ns = time_ns_ + uniform<std::int64_t>(rng_, 0, 1'000'000);
      e.reference_found = uniform(rng_, 0, 9) == 0 ? 0 : 1;
      if (e.reference_found == 0) {
        set_text(e.company_name, "UNKNOWN");
        set_text(e.sector, "UNKNOWN");
        set_text(e.industry, "UNKNOWN");
        set_text(e.market_cap_tier, "UNKNOWN");
        set_text(e.listed_exchange, "UNKNOWN");
      } else if (extremes_ && uniform(rng_, 0, 3) == 0) {
        // Every text full, with what JSON must escape and multi-byte UTF-8.
        set_text(e.company_name, "\"Quoted\" \\ Back\\slash Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale \xe2\x82\xac \xf0\x9f\x93\x88 Holding Ltd");
        set_text(e.sector, "Consumer \"Discretionary\" \\ X");
        set_text(e.industry, "Semiconductors & Semiconductor Equipment (\xc3\xa9)");
        set_text(e.market_cap_tier, "Mega \"cap\" \\ 1");
        set_text(e.listed_exchange, "NASDAQ \\ \"GS\"");
      } else {
        static constexpr std::string_view kTiers[] = {"Mega", "Large", "Mid", "Small", "Micro"};
        static constexpr std::string_view kExchanges[] = {"NASDAQ", "NYSE"};
        set_text(e.company_name, instrument.name.empty() ? instrument.ticker : instrument.name);
        set_text(e.sector, instrument.sector.empty() ? std::string_view("Technology") : instrument.sector);
        set_text(e.industry, "Software");
        set_text(e.market_cap_tier, kTiers[uniform(rng_, 0, 4)]);
        set_text(e.listed_exchange, kExchanges[uniform(rng_, 0, 1)]);
      }
      break;
    }
    case EventType::OrderFlowImbalance: {
      auto& e = frame_.as<OrderFlowImbalance>();
      static constexpr std::int64_t kSecond = 1'000'000'000;
      static constexpr std::int64_t kSizes[] = {kSecond, 10 * kSecond, 60 * kSecond};
      const std::int64_t size = kSizes[uniform(rng_, 0, 2)];
      e.window_start_ns = time_ns_ / size * size;
      e.window_end_ns = e.window_start_ns + size;
      init_header(e, symbol, e.window_end_ns);
      e.update_count = uniform<std::uint64_t>(rng_, 0, 2'000);
      if (e.update_count != 0) {
        e.bid_flow = uniform<Volume>(rng_, -100'000, 100'000);
        e.ask_flow = uniform<Volume>(rng_, -100'000, 100'000);
        e.ofi = e.bid_flow - e.ask_flow;
        e.best_bid = reference - uniform<Ticks>(rng_, 1, 10);
        e.best_ask = reference + uniform<Ticks>(rng_, 0, 10);
        e.bid_size = volume();
        e.ask_size = volume();
        e.depth_sum = static_cast<Volume>(e.update_count) * uniform<Volume>(rng_, 1, 200'000);
      }
      e.flags = uniform(rng_, 0, 15) == 0 ? kRecordInputGap : 0;
      break;
    }
  }
  FrameHeader& header = frame_.header();
  header.sequence = ++sequence_;
  header.publish_time_ns = time_ns_ + uniform<std::int64_t>(rng_, 0, 50'000);
  return header;
}

}  // namespace ringside
