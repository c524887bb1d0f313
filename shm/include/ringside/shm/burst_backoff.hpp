// When a reader that has caught up with its writer should wait before it looks
// at the ring again (shm/README.md, "Reading behind a busy writer").
//
// A reader at the head polls the very cache line the writer fills next, and its
// prefetcher the lines after it: each poll takes a line away from the writer,
// which must take it back to write. For a writer publishing back to back that
// is one cache-line round trip per frame, and it runs at a fraction of its
// speed. A reader that waits a few microseconds instead lets the writer get
// ahead and then reads finished lines in a stream, off the writer's path.
//
// Waiting costs latency, so it is tried only when the writer publishes faster
// than one frame per kBusyWriterFrameNs, and kept only while it still does and
// each wait lets through at least kMinBacklog frames. A paced feed, a request/response pair
// (whose peer waits for this reader) or a writer that has gone quiet stays at
// the head; after a wait that let too little through, the next try comes no
// sooner than kRetryAfterNs later. A wait is cut short to the time the writer,
// at its measured rate, takes to fill a quarter of the ring, so that it never
// laps a lossy reader nor holds up a lossless one.
//
// Owned by one RingReader; no shared state, no clock reads of its own.
#pragma once

#include <chrono>
#include <cstdint>

namespace ringside::shm {

class BurstBackoff {
 public:
  static constexpr std::int64_t kBusyWriterFrameNs = 100;  // faster than 10 M frames/s
  static constexpr std::int64_t kRateWindowNs = 20'000;    // the writer's rate, over at least this
  static constexpr std::uint32_t kSampleEveryFrames = 256;
  static constexpr std::uint32_t kMinBacklog = 16;         // frames a wait must let through to be kept
  static constexpr std::int64_t kRetryAfterNs = 1'000'000;
  static constexpr std::chrono::nanoseconds kMaxWait = std::chrono::milliseconds{1};

  // wait: how long each wait lasts at most (clamped to kMaxWait); 0 never waits.
  // ring_bytes: the ring's data capacity.
  explicit BurstBackoff(std::chrono::nanoseconds wait = {}, std::uint64_t ring_bytes = 0) noexcept;

  // The reader returned a frame. True when it is time for sample().
  bool frame_read() noexcept {
    ++streak_;
    return pauses_ != 0 && (++frames_ & (kSampleEveryFrames - 1)) == 0;
  }
  // The writer's next sequence and write position (the ring header's) at
  // monotonic time `now`.
  void sample(std::int64_t now, std::uint64_t next_sequence, std::uint64_t write_position) noexcept;
  // The reader found nothing to read. True: wait(), then look again.
  bool should_wait() noexcept {
    if (!busy_ && !batching_ && !waited_) {  // the common case, inline: a writer that is not busy
      streak_ = 0;
      return false;
    }
    return decide();
  }
  // Spins for the wait's length without touching shared memory.
  void wait() const noexcept;
  // Forget the writer (a new generation, a re-attach).
  void reset() noexcept;

  bool enabled() const noexcept { return pauses_ != 0; }
  bool busy_writer() const noexcept { return busy_; }
  bool batching() const noexcept { return batching_; }
  std::uint32_t pauses() const noexcept { return pauses_; }
  std::uint32_t wait_pauses() const noexcept { return wait_pauses_; }  // the next wait's

 private:
  bool decide() noexcept;

  std::uint32_t pauses_ = 0;       // the longest wait, in spin-wait hints
  std::uint32_t wait_pauses_ = 0;  // the next wait: pauses_, or less for a fast writer in a small ring
  std::uint64_t room_bytes_ = 0;   // what a wait may let the writer publish: a quarter of the ring
  std::uint32_t streak_ = 0;   // frames since the ring was last found caught up
  std::uint32_t frames_ = 0;
  bool busy_ = false;          // the writer's rate over the last window
  bool batching_ = false;      // the last wait let enough through: wait at every catch-up
  bool waited_ = false;        // the frames of streak_ came in during a wait
  std::int64_t window_ns_ = 0;
  std::uint64_t window_sequence_ = 0;
  std::uint64_t window_position_ = 0;
  std::int64_t retry_at_ns_ = 0;
};

// How long one spin-wait hint (x86 pause) takes on this CPU: 25 ns on Zen 4,
// ~40 on recent Intel cores, a few on older ones. Measured once per process.
double pause_ns() noexcept;

}  // namespace ringside::shm
