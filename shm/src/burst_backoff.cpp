#include "ringside/shm/burst_backoff.hpp"

#include <algorithm>

#include "pause.hpp"
#include "ringside/shm/ring_file.hpp"

namespace ringside::shm {

double pause_ns() noexcept {
  static const double measured = [] {
    constexpr int kPauses = 2000;
    double best = 0;
    for (int attempt = 0; attempt < 3; ++attempt) {
      const std::int64_t t0 = monotonic_ns();
      for (int i = 0; i < kPauses; ++i) cpu_relax();
      const double each = static_cast<double>(monotonic_ns() - t0) / kPauses;
      if (each > 0 && (best == 0 || each < best)) best = each;  // the least interrupted attempt
    }
    return best > 0 ? best : 10.0;
  }();
  return measured;
}

BurstBackoff::BurstBackoff(std::chrono::nanoseconds wait) noexcept {
  const auto ns = std::clamp(wait, std::chrono::nanoseconds{0}, kMaxWait).count();
  if (ns > 0) pauses_ = static_cast<std::uint32_t>(std::max(1.0, static_cast<double>(ns) / pause_ns()));
}

void BurstBackoff::sample(std::int64_t now, std::uint64_t next_sequence) noexcept {
  if (window_ns_ != 0) {
    const std::int64_t elapsed = now - window_ns_;
    if (elapsed < kRateWindowNs) return;  // too short to say
    const auto published = static_cast<std::int64_t>(next_sequence - window_sequence_);
    busy_ = published * kBusyWriterFrameNs > elapsed;
  }
  window_ns_ = now;
  window_sequence_ = next_sequence;
}

bool BurstBackoff::should_wait() noexcept {
  const std::uint32_t backlog = streak_;
  streak_ = 0;
  if (pauses_ == 0) return false;
  if (waited_) {
    // These frames are what the last wait let through: keep waiting if it paid.
    waited_ = false;
    batching_ = backlog >= kMinBacklog;
    if (!batching_) {
      retry_at_ns_ = window_ns_ + kRetryAfterNs;
      return false;
    }
  } else if (!batching_ && (backlog == 0 || !busy_ || window_ns_ < retry_at_ns_)) {
    return false;
  }
  waited_ = true;
  return true;
}

void BurstBackoff::wait() const noexcept {
  for (std::uint32_t i = 0; i < pauses_; ++i) cpu_relax();
}

void BurstBackoff::reset() noexcept {
  streak_ = 0;
  frames_ = 0;
  busy_ = false;
  batching_ = false;
  waited_ = false;
  window_ns_ = 0;
  window_sequence_ = 0;
  retry_at_ns_ = 0;
}

}  // namespace ringside::shm
