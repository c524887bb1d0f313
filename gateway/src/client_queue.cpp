#include "ringside/gateway/client_queue.hpp"


namespace ringside::gateway {

bool ClientQueue::push_shared(Batch& batch, const std::byte* frame, std::uint32_t size) {
  if (!fits(size)) return false;
  ++batch.refs;
  push(OutFrame{frame, size, false, &batch});
  return true;
}

bool ClientQueue::push_owned(std::string frame) {
  if (!fits(frame.size())) return false;
  owned_.push_back(std::move(frame));
  const std::string& f = owned_.back();  // deque: stays put while others are added
  push(OutFrame{reinterpret_cast<const std::byte*>(f.data()), static_cast<std::uint32_t>(f.size()), true, nullptr});
  return true;
}

void ClientQueue::grow() {
  // Starts small: most clients keep only a few frames queued, and 1,000 idle
  // clients must not cost a full-size queue each.
  const std::size_t capacity = ring_.empty() ? 16 : ring_.size() * 2;
  std::vector<OutFrame> bigger(capacity);
  for (std::size_t i = 0; i < count_; ++i) bigger[i] = at(i);
  ring_.swap(bigger);
  head_ = 0;
}

void ClientQueue::push(const OutFrame& f) {
  if (count_ == ring_.size()) grow();
  ring_[(head_ + count_) & (ring_.size() - 1)] = f;
  ++count_;
  bytes_ += f.size;
}

void ClientQueue::drop(const OutFrame& f) noexcept {
  bytes_ -= f.size;
  if (f.batch != nullptr) release(f.batch);
}

void ClientQueue::pop(std::size_t n) noexcept {
  for (std::size_t i = 0; i < n && count_ > 0; ++i) {
    const OutFrame& f = ring_[head_];
    drop(f);
    if (f.owned) owned_.pop_front();
    head_ = (head_ + 1) & (ring_.size() - 1);
    --count_;
  }
}

void ClientQueue::truncate(std::size_t keep) noexcept {
  while (count_ > keep) {
    const OutFrame& f = at(count_ - 1);
    drop(f);
    if (f.owned) owned_.pop_back();
    --count_;
  }
  if (count_ == 0) head_ = 0;
}

}  // namespace ringside::gateway
