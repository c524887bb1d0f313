// An Exchange on the test config's symbols with every event kept in memory.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "ringside/core/embedded_config.hpp"
#include "ringside/engine/exchange.hpp"

namespace ringside::engine::test {

class ExchangeFixture : public ::testing::Test {
 protected:
  static constexpr SymbolId kSym{0};

  ExchangeFixture() : config_(embedded_test_config()) {
    ExchangeOptions options;
    options.max_orders = 1 << 16;
    options.snapshot_interval_ticks = 0;
    options.stats_interval_ticks = 0;
    rebuild(options);
  }

  void rebuild(const ExchangeOptions& options) {
    exchange_.reset();
    sink_ = std::make_unique<BufferSink>();
    exchange_ = std::make_unique<Exchange>(config_.symbols, *sink_, options);
  }

  Exchange& exchange() { return *exchange_; }
  OrderBook& book(SymbolId s = kSym) { return exchange_->book(s); }
  BufferSink& sink() { return *sink_; }
  std::int64_t now() { return now_ += 1000; }
  void commit() { exchange_->commit(); }
  void clear_events() {
    commit();
    sink_->clear();
  }

  static AgentId agent(std::uint32_t i) { return make_agent_id(AgentType::External, i); }

  SubmitResult limit(std::uint64_t id, Side side, Ticks price, Quantity qty, AgentId who = agent(0),
                     TimeInForce tif = TimeInForce::GTC) {
    const SubmitResult r =
        exchange_->submit(kSym, NewOrder{OrderId{id}, who, side, OrderType::Limit, tif, price, qty}, now());
    commit();
    return r;
  }
  SubmitResult market(std::uint64_t id, Side side, Quantity qty, AgentId who = agent(0)) {
    const SubmitResult r =
        exchange_->submit(kSym, NewOrder{OrderId{id}, who, side, OrderType::Market, TimeInForce::IOC, 0, qty}, now());
    commit();
    return r;
  }

  // Copies of every committed frame of one type, in order.
  template <EventFrame Event>
  std::vector<Event> frames() {
    std::vector<Event> out;
    sink_->for_each([&](const FrameHeader& h) {
      if (h.type != Event::kType) return;
      Event e{};
      std::memcpy(&e, &h, h.length);
      out.push_back(e);
    });
    return out;
  }
  std::vector<EventType> types() {
    std::vector<EventType> out;
    sink_->for_each([&](const FrameHeader& h) { out.push_back(h.type); });
    return out;
  }

  ExchangeConfig config_;
  std::unique_ptr<BufferSink> sink_;
  std::unique_ptr<Exchange> exchange_;
  std::int64_t now_ = 1'750'000'000'000'000'000;
};

}  // namespace ringside::engine::test
