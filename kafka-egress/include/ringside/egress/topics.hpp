// Where each event goes in Kafka: seeds/000 sections 3.2, 4.2 and 10.3. Nine
// event types to seven topics, keyed by symbol (AgentAction by agent id), and
// the dead-letter topic; partitions and retention as the seed creates them.
// Processors' five records go to the analytics, enriched and alert topics of
// seeds/003 section 3.1 (analytics.ofi, which the seed lacks, like
// analytics.orderbook), keyed by symbol.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "ringside/core/enums.hpp"
#include "ringside/core/frame.hpp"
#include "ringside/core/instrument.hpp"

namespace ringside::egress {

enum class Topic : std::uint8_t {
  Orders,        // OrderPlaced, OrderCancelled
  Trades,        // TradeExecuted
  Quotes,        // QuoteUpdate
  Snapshots,     // OrderBookSnapshot
  MarketStats,   // MarketStats
  TradingHalts,  // TradingHalt, TradingResume
  AgentActions,  // AgentAction (key: agent id)
  DeadLetters,   // events that failed for good
  TradeAggregates,  // TradeAggregate (processors' aggregates job)
  PriceAlerts,      // PriceAlert (alerts)
  BookMetrics,      // OrderBookMetrics (book)
  EnrichedTrades,   // EnrichedTrade (enrich)
  OrderFlow,        // OrderFlowImbalance (ofi)
};
inline constexpr std::size_t kTopicCount = 13;

struct TopicSpec {
  std::string_view name;
  int partitions;
  std::int64_t retention_ms;
};

inline constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
inline constexpr std::array<TopicSpec, kTopicCount> kTopics{{
    {"raw.orders", 12, 7 * kDayMs},
    {"raw.trades", 12, 7 * kDayMs},
    {"raw.quotes", 12, 7 * kDayMs},
    {"raw.orderbook-snapshots", 6, 3 * kDayMs},
    {"raw.market-stats", 6, 30 * kDayMs},
    {"raw.trading-halts", 3, 30 * kDayMs},
    {"raw.agent-actions", 6, 3 * kDayMs},
    {"dlq.raw.failed", 3, 90 * kDayMs},
    {"analytics.trade-aggregates", 4, 30 * kDayMs},
    {"alerts.price-movement", 2, 7 * kDayMs},
    {"analytics.orderbook", 4, 3 * kDayMs},
    {"enriched.trades", 4, 30 * kDayMs},
    {"analytics.ofi", 4, 3 * kDayMs},
}};

constexpr const TopicSpec& spec(Topic t) noexcept { return kTopics[static_cast<std::size_t>(t)]; }

// Precondition: `type` is a known type (check_frame passed).
constexpr Topic topic_of(EventType type) noexcept {
  switch (type) {
    case EventType::OrderPlaced:
    case EventType::OrderCancelled: return Topic::Orders;
    case EventType::TradeExecuted: return Topic::Trades;
    case EventType::QuoteUpdate: return Topic::Quotes;
    case EventType::OrderBookSnapshot: return Topic::Snapshots;
    case EventType::MarketStats: return Topic::MarketStats;
    case EventType::TradingHalt:
    case EventType::TradingResume: return Topic::TradingHalts;
    case EventType::AgentAction: return Topic::AgentActions;
    case EventType::TradeAggregate: return Topic::TradeAggregates;
    case EventType::PriceAlert: return Topic::PriceAlerts;
    case EventType::OrderBookMetrics: return Topic::BookMetrics;
    case EventType::EnrichedTrade: return Topic::EnrichedTrades;
    case EventType::OrderFlowImbalance: return Topic::OrderFlow;
  }
  return Topic::DeadLetters;
}

// The partition key: the symbol's ticker, or the agent id ("mm-007") for an
// AgentAction. Precondition: the frame passed check_frame against `symbols`.
std::string_view partition_key(const FrameHeader& frame, const SymbolTable& symbols, AgentIdText& scratch) noexcept;

}  // namespace ringside::egress
