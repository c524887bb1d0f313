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

BurstBackoff::BurstBackoff(std::chrono::nanoseconds wait, std::uint64_t ring_bytes) noexcept
    : room_bytes_(ring_bytes / 4) {
  const auto ns = std::clamp(wait, std::chrono::nanoseconds{0}, kMaxWait).count();
  if (ns > 0) pauses_ = static_cast<std::uint32_t>(std::max(1.0, static_cast<double>(ns) / pause_ns()));
  wait_pauses_ = pauses_;
}

void BurstBackoff::sample(std::int64_t now, std::uint64_t next_sequence, std::uint64_t write_position) noexcept {
  if (window_ns_ != 0) {
    const std::int64_t elapsed = now - window_ns_;
    if (elapsed < kRateWindowNs) return;  // too short to say
    const auto published = static_cast<std::int64_t>(next_sequence - window_sequence_);
    busy_ = published * kBusyWriterFrameNs > elapsed;
    // The time this writer takes to fill a quarter of the ring, in pauses.
    const double bytes = static_cast<double>(write_position - window_position_);
    wait_pauses_ = pauses_;
    if (bytes > 0 && room_bytes_ != 0) {
      const double fill_ns = static_cast<double>(room_bytes_) * static_cast<double>(elapsed) / bytes;
      wait_pauses_ = static_cast<std::uint32_t>(std::clamp(fill_ns / pause_ns(), 1.0, static_cast<double>(pauses_)));
    }
  }
  window_ns_ = now;
  window_sequence_ = next_sequence;
  window_position_ = write_position;
}

bool BurstBackoff::decide() noexcept {
  const std::uint32_t backlog = streak_;
  streak_ = 0;
  if (pauses_ == 0) return false;
  if (waited_) {
    // These frames are what the last wait let through: keep waiting if it paid,
    // and while the writer is still busy. A paced writer's frames pile up during
    // a long wait too (32 at 1 M frames/s in 32 us), and without its rate in the
    // rule a paced feed that once burst (a writer catching up after a preemption)
    // would be read 32 us behind for good.
    waited_ = false;
    batching_ = backlog >= kMinBacklog && busy_;
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
  for (std::uint32_t i = 0; i < wait_pauses_; ++i) cpu_relax();
}

void BurstBackoff::reset() noexcept {
  // Everything but the configuration: a new member cannot be forgotten here.
  BurstBackoff fresh;
  fresh.pauses_ = pauses_;
  fresh.wait_pauses_ = pauses_;
  fresh.room_bytes_ = room_bytes_;
  *this = fresh;
}

}  // namespace ringside::shm
