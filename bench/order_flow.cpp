#include "order_flow.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace ringside::bench {

std::vector<std::string> engine_command(const std::string& binary, int cpu, const std::string& ring) {
  return {binary, "--no-agents", "--cpu", std::to_string(cpu), "--ring", ring, "--ring-mib", "64",
          "--status-interval", "0"};
}

OrderFlow::OrderFlow(const std::string& prefix, const std::string& ticker, Quantity quantity, std::size_t capacity,
                     std::chrono::milliseconds wait)
    : quantity_(quantity), intended_(new std::atomic<std::uint64_t>[capacity]), seen_(capacity, 0) {
  shm::OrderEntryOptions options;
  options.wait_for_engine = wait;
  maker_ = std::make_unique<shm::OrderEntryClient>(shm::OrderEntryClient::connect(prefix + "-maker", options));
  taker_ = std::make_unique<shm::OrderEntryClient>(shm::OrderEntryClient::connect(prefix + "-taker", options));
  symbol_ = maker_->symbol(ticker);
  price_ = maker_->symbols()[symbol_].initial_price;
  for (std::size_t i = 0; i < capacity; ++i) intended_[i].store(0, std::memory_order_relaxed);
}

std::size_t OrderFlow::incomplete() const noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < sent_; ++i) n += seen_[i] == (kNew | kFilled) ? 0u : 1u;
  return n;
}

std::uint8_t OrderFlow::check(const ExecutionReport& r, bool taker) noexcept {
  ++reports_;
  const std::size_t i = static_cast<std::size_t>(r.client_order_id - 1);
  const std::uint8_t what = r.exec_type == ExecType::New ? kNew : r.exec_type == ExecType::Filled ? kFilled : 0;
  const bool ours = r.client_order_id != 0 && i < sent_ && ((i & 1) == 1) == taker;
  if (ours && what != 0 && (seen_[i] & what) == 0) {
    seen_[i] = static_cast<std::uint8_t>(seen_[i] | what);
    return what;
  }
  if (++unexpected_ == 1) {
    first_unexpected_ = fmt::format("{} client order id {}: {}{}{}", taker ? "taker" : "maker", r.client_order_id,
                                    to_string(r.exec_type), r.exec_type == ExecType::Rejected ? " " : "",
                                    r.exec_type == ExecType::Rejected ? to_string(r.reject_reason) : "");
  }
  return 0;
}

}  // namespace ringside::bench
