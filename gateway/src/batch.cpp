#include "ringside/gateway/batch.hpp"

#include <algorithm>

namespace ringside::gateway {

void Batch::clear() noexcept {
  ring.reset();
  text_used = 0;
  binary_used = 0;
  messages.clear();
  changes.clear();
  first_seq = last_seq = 0;
  newest_publish_ns = 0;
  ring_lag = 0;
  refs = 0;
}

BatchPool::BatchPool(std::size_t text_capacity, std::size_t binary_capacity, std::size_t message_capacity)
    : text_capacity_(text_capacity), binary_capacity_(binary_capacity), message_capacity_(message_capacity) {}

BatchPool::~BatchPool() = default;

Batch* BatchPool::take() {
  Batch* b = nullptr;
  if (returned_.pop(b)) {
    // More idle than steady state ever needs (a slow client's queue released
    // its batches): free one surplus batch per call, so the memory goes back
    // to the system without a burst of frees on this thread.
    Batch* surplus = nullptr;
    if (returned_.read_available() > kMaxIdle && returned_.pop(surplus)) destroy(surplus);
    b->clear();
    return b;
  }
  // None free: every batch is queued for the network thread or held by clients.
  // Growing is the only choice that never blocks the reader; it stops once the
  // network thread keeps up (the reader also bounds batches in flight).
  auto fresh = std::make_unique<Batch>();
  fresh->text.resize(text_capacity_);
  fresh->binary.resize(binary_capacity_);
  fresh->messages.reserve(message_capacity_);
  fresh->changes.reserve(message_capacity_);
  fresh->pool = this;
  b = fresh.get();
  owned_.push_back(std::move(fresh));
  allocated_.fetch_add(1, std::memory_order_relaxed);
  return b;
}

void BatchPool::destroy(Batch* b) noexcept {
  const auto it = std::find_if(owned_.begin(), owned_.end(), [b](const auto& p) { return p.get() == b; });
  if (it == owned_.end()) return;
  std::swap(*it, owned_.back());
  owned_.pop_back();  // frees it
  allocated_.fetch_sub(1, std::memory_order_relaxed);
  freed_.fetch_add(1, std::memory_order_relaxed);
}

void BatchPool::give_back(Batch* b) noexcept {
  b->ring.reset();  // the last reference to an old generation's symbol table may go here
  // The queue holds more entries than a pool ever makes in practice; if it is
  // full the batch simply stays out of circulation (still owned, freed at exit).
  (void)returned_.push(b);
}

}  // namespace ringside::gateway
