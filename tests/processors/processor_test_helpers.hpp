// Shared by the processors tests: crafted input frames and a sink that keeps
// every record a job emits.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "ringside/core/events.hpp"
#include "ringside/processors/job.hpp"

namespace ringside::processors::test {

inline constexpr std::int64_t kSecond = 1'000'000'000;
inline constexpr std::int64_t kMinute = 60 * kSecond;
// Symbols of the embedded test config.
inline constexpr SymbolId kAapl{0};  // ticks of 0.01
inline constexpr SymbolId kBrk{1};   // ticks of 0.05
// 2026-01-05T14:30:00Z: a boundary of every 1, 5 and 15 minute window.
inline constexpr std::int64_t kBase = 1'767'623'400'000'000'000;

class VectorSink final : public RecordSink {
 public:
  void emit(const FrameHeader& record) override {
    FrameBuffer copy;
    std::memcpy(copy.bytes, &record, record.length);
    records.push_back(copy);
  }
  template <EventFrame Event>
  std::vector<Event> all() const {
    std::vector<Event> out;
    for (const FrameBuffer& r : records) {
      if (r.header().type == Event::kType) out.push_back(r.as<Event>());
    }
    return out;
  }
  std::vector<FrameBuffer> records;
};

// Trades with ring sequences in the order they are made.
class TradeMaker {
 public:
  TradeExecuted make(SymbolId symbol, std::int64_t offset_ns, Ticks price, Quantity quantity, Side aggressor) {
    TradeExecuted t{};
    init_header(t, symbol, kBase + offset_ns);
    t.header.sequence = ++sequence_;
    t.trade_id = TradeId{sequence_};
    t.buyer_order_id = OrderId{2 * sequence_};
    t.seller_order_id = OrderId{2 * sequence_ + 1};
    t.price = price;
    t.quantity = quantity;
    t.buyer_agent = make_agent_id(AgentType::Retail, 1);
    t.seller_agent = make_agent_id(AgentType::MarketMaker, 2);
    t.aggressor_side = aggressor;
    return t;
  }

 private:
  std::uint64_t sequence_ = 0;
};

}  // namespace ringside::processors::test
