// The order flow of the order-entry benchmarks (order-rtt, e2e): orders sent
// through the order-entry client library (shm/order_entry_client.hpp) to a real
// ringside-engine, and the check that every order got the reports it must get.
//
// Two clients, "maker" and "taker": two External agents, because one agent's
// orders never trade with each other (self-trade prevention cancels the resting
// one). Order i has client order id i + 1 (unique across both clients, so an id
// names an order wherever it appears); even i: the maker buys `quantity` at the
// symbol's opening price, odd i: the taker sells `quantity` at the same price.
// Both are GTC limits at one price, so each taker order fills one maker order
// (and no trade moves the price: no circuit breaker). The taker's order is
// marketable; it is GTC rather than IOC because the engine reads the two clients'
// rings in turn: when it falls behind it can read a taker order before the maker
// order sent just before it, and a GTC order then rests and is filled by that
// maker order, where an IOC order would be cancelled. So every order gets exactly
// two reports, NEW and then FILLED (as aggressor or passive), whatever the
// interleaving; anything else is counted as unexpected.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ringside/shm/order_entry_client.hpp"
#include "tsc_clock.hpp"

namespace ringside::bench {

// The engine the flow talks to: the real binary, agents off (the book holds only
// the flow's orders), pinned to `cpu`, status lines off, publishing every event
// into live ring `ring` of 64 MiB as in production (a gateway may read it).
std::vector<std::string> engine_command(const std::string& binary, int cpu, const std::string& ring);

class OrderFlow {
 public:
  static constexpr std::uint8_t kNew = 1;
  static constexpr std::uint8_t kFilled = 2;

  // Connects both clients (names prefixed with `prefix`), waiting up to `wait` for the engine.
  OrderFlow(const std::string& prefix, const std::string& ticker, Quantity quantity, std::size_t capacity,
            std::chrono::milliseconds wait);

  // Sends order i (i < capacity) and keeps its intended send time (TSC).
  void send(std::size_t i, std::uint64_t intended_tsc) noexcept {
    intended_[i].store(intended_tsc, std::memory_order_relaxed);
    shm::OrderEntryClient& c = (i & 1) == 0 ? *maker_ : *taker_;
    c.send_limit(symbol_, (i & 1) == 0 ? Side::Buy : Side::Sell, price_, quantity_, i + 1);
    sent_ = i + 1;
  }
  // Relaxed: another thread reads it only after the engine and a socket carried the order.
  std::uint64_t intended(std::size_t i) const noexcept { return intended_[i].load(std::memory_order_relaxed); }

  // Reads every report that has arrived on both clients; for each expected one,
  // calls on_report(i, kNew or kFilled). Returns how many reports it read.
  template <class F>
  std::size_t drain(F&& on_report) noexcept {
    std::size_t n = 0;
    for (shm::OrderEntryClient* c : {maker_.get(), taker_.get()}) {
      while (const std::optional<ExecutionReport> r = c->poll()) {
        ++n;
        if (const std::uint8_t what = check(*r, c == taker_.get()); what != 0) on_report(r->client_order_id - 1, what);
      }
    }
    return n;
  }

  std::size_t sent() const noexcept { return sent_; }
  // Orders sent that still lack a report.
  std::size_t incomplete() const noexcept;
  std::uint64_t reports() const noexcept { return reports_; }
  std::uint64_t unexpected() const noexcept { return unexpected_; }
  const std::string& first_unexpected() const noexcept { return first_unexpected_; }
  bool engine_alive() noexcept { return maker_->engine_alive() && taker_->engine_alive(); }
  const Instrument& instrument() const noexcept { return maker_->symbols()[symbol_]; }

 private:
  std::uint8_t check(const ExecutionReport& r, bool taker) noexcept;

  std::unique_ptr<shm::OrderEntryClient> maker_;
  std::unique_ptr<shm::OrderEntryClient> taker_;
  SymbolId symbol_{};
  Ticks price_ = 0;
  Quantity quantity_ = 0;
  std::unique_ptr<std::atomic<std::uint64_t>[]> intended_;
  std::vector<std::uint8_t> seen_;  // kNew | kFilled per order
  std::size_t sent_ = 0;
  std::uint64_t reports_ = 0;
  std::uint64_t unexpected_ = 0;
  std::string first_unexpected_;
};

}  // namespace ringside::bench
