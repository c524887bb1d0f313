// The simulated traders of seeds/000 section 2.3: retail, institutional, market
// makers, HFT, noise and informed, with the default counts, size ranges,
// order-type mix, behaviour and frequency of the seed.
//
// Every decision is an order or cancel through the Exchange plus one AgentAction
// event, which follows the request's own events in the same batch (a rejected
// request leaves no action behind). All randomness comes from one seeded
// generator per agent and one for the symbols' hidden values, so the same config
// and seed give the same decisions in the same order.
#pragma once

#include <cstdint>
#include <memory>

#include "ringside/core/config.hpp"
#include "ringside/engine/exchange.hpp"

namespace ringside::engine {

class AgentPopulation {
 public:
  AgentPopulation(const ExchangeConfig& config, std::uint64_t seed);
  ~AgentPopulation();
  AgentPopulation(const AgentPopulation&) = delete;
  AgentPopulation& operator=(const AgentPopulation&) = delete;

  // Lets the agents follow their fills; call once before the first tick.
  void attach(Exchange& exchange);
  // One tick of simulated time (tick_interval_ms long): each agent decides whether
  // to act, and acts through `exchange`, ending each request with request_done()
  // (Exchange::on_tick commits the last batch).
  // `activity` scales every agent's frequency (1.0 normal; the market-hours
  // profile and burst mode change it).
  void on_tick(std::uint64_t tick, std::int64_t now_ns, double activity, Exchange& exchange) noexcept;

  std::size_t size() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ringside::engine
