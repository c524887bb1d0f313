// The jobs of one processor over one input stream, without the ring: frames in,
// records out. The runtime feeds it from a ring; tests and the benchmark feed it
// frames directly.
//
// Event time and the watermark: every frame's header.event_time_ns advances the
// stream's clock; the watermark is the largest event time seen minus the
// out-of-orderness bound (5 s by default, seeds/003 2.2). A job sees the
// watermark as it was before the frame (EventContext), so whether a frame is
// late never depends on the frame itself, and the order of frames alone decides
// every result: the same stream gives the same records however it is batched.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ringside/core/events.hpp"
#include "ringside/core/instrument.hpp"
#include "ringside/processors/job.hpp"

namespace ringside::processors {

class EventClock {
 public:
  explicit EventClock(std::int64_t out_of_orderness_ns) noexcept : bound_(out_of_orderness_ns) {}

  // Takes a frame's event time; true when the watermark moved.
  bool observe(std::int64_t event_time_ns) noexcept {
    if (event_time_ns <= max_) return false;
    max_ = event_time_ns;
    return true;
  }
  std::int64_t watermark() const noexcept {
    if (max_ == kNoTime) return kNoTime;
    return max_ < kNoTime + bound_ + 1 ? kNoTime + 1 : max_ - bound_;  // saturates instead of wrapping
  }
  std::int64_t max_event_time() const noexcept { return max_; }
  std::int64_t bound() const noexcept { return bound_; }
  void reset() noexcept { max_ = kNoTime; }

 private:
  std::int64_t bound_;
  std::int64_t max_ = kNoTime;
};

class Pipeline {
 public:
  Pipeline(std::vector<std::unique_ptr<Job>> jobs, std::int64_t out_of_orderness_ns);

  // A new stream over this symbol table (kept by reference until the next bind).
  void bind(const SymbolTable& symbols);

  // CLOCK_REALTIME for the records made from now on (the runtime sets it per batch).
  void set_wall_time(std::int64_t ns) noexcept { wall_ns_ = ns; }

  // One frame of the input in ring order; check_frame accepted it against the bound table.
  void process(const FrameHeader& frame, RecordSink& out) {
    const EventContext context{clock_.watermark(), wall_ns_};
    for (Job* job : readers_[static_cast<std::uint8_t>(frame.type) & 15u]) job->on_event(frame, context, out);
    last_time_ = frame.event_time_ns;
    ++frames_;
    if (clock_.observe(frame.event_time_ns)) advance(out);
  }

  // `missed` frames were lost just before `next` (call before process(next)).
  // missed == 0 says "an unknown number": the stream was joined after its start.
  void gap(std::uint64_t missed, const FrameHeader& next);

  // The stream ended: every job emits what is pending. bind() starts the next.
  void end_of_stream(RecordSink& out);

  const EventClock& clock() const noexcept { return clock_; }
  std::span<const std::unique_ptr<Job>> jobs() const noexcept { return jobs_; }
  std::uint64_t frames() const noexcept { return frames_; }

 private:
  void advance(RecordSink& out);

  std::vector<std::unique_ptr<Job>> jobs_;
  std::array<std::vector<Job*>, 16> readers_;  // by event type: the jobs that read it
  EventClock clock_;
  std::int64_t wall_ns_ = 0;
  std::int64_t last_time_ = kNoTime;
  std::uint64_t frames_ = 0;
};

}  // namespace ringside::processors
