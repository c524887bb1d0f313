#include "ringside/egress/delivery_window.hpp"

#include <bit>

namespace ringside::egress {

DeliveryWindow::DeliveryWindow(std::size_t capacity)
    : capacity_(std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity)),
      mask_(capacity_ - 1),
      entries_(std::make_unique<Entry[]>(capacity_)) {}

void DeliveryWindow::reset(std::uint64_t next_sequence, std::uint64_t position) noexcept {
  low_ = next_ = next_sequence;
  low_position_ = position;
}

void DeliveryWindow::add(std::uint64_t sequence, std::uint64_t end_position, std::uint32_t messages,
                         std::int64_t publish_time_ns) noexcept {
  // Nothing unfinished: a jump (frames missed while evicted) moves the window
  // whole, however far, without touching entries.
  if (low_ == next_ && sequence > next_) low_ = next_ = sequence;
  for (; next_ < sequence; ++next_) entry(next_) = {0, 0, 0};  // missed: finished, ends nowhere new
  entry(sequence) = {end_position, publish_time_ns, messages};
  next_ = sequence + 1;
}

std::int64_t DeliveryWindow::finish(std::uint64_t sequence) noexcept {
  Entry& e = entry(sequence);
  --e.pending;
  return e.publish_time_ns;
}

bool DeliveryWindow::advance() noexcept {
  const std::uint64_t from = low_;
  while (low_ < next_) {
    const Entry& e = entries_[low_ & mask_];
    if (e.pending != 0) break;
    if (e.end_position > low_position_) low_position_ = e.end_position;
    ++low_;
  }
  return low_ != from;
}

}  // namespace ringside::egress
