// A processor job: one small class that reads some event types of the input
// ring, keeps per-symbol state and emits analytics records (core's frames 10..14).
//
// The runtime (runtime.hpp) owns the ring, the clock and the output; a job sees
// only frames, in ring order, already checked by check_frame against the ring's
// symbol table. A new job is a class implementing this interface, an entry in
// jobs.cpp's catalogue, and its options in JobOptions (jobs.hpp).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "ringside/core/events.hpp"
#include "ringside/core/instrument.hpp"

namespace ringside::processors {

// Event time before any frame: the watermark of an empty stream.
inline constexpr std::int64_t kNoTime = std::numeric_limits<std::int64_t>::min();
// No timer set: Job::next_timer_ns() when nothing is pending.
inline constexpr std::int64_t kNoTimer = std::numeric_limits<std::int64_t>::max();

// Where jobs put their records: a finished frame (init_header filled its symbol
// and event time), copied before emit() returns. The ring writer assigns the
// sequence and publish time.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void emit(const FrameHeader& record) = 0;
};

// What the runtime knows when it hands a job a frame.
struct EventContext {
  // The watermark before this frame: the largest event time seen so far minus the
  // out-of-orderness bound (kNoTime before the first frame). A frame whose window
  // ended at or before it is late.
  std::int64_t watermark_ns = kNoTime;
  // CLOCK_REALTIME of the current batch, for the records' computed_at fields.
  std::int64_t wall_ns = 0;
};

// Input frames the runtime never saw: lapped by the writer, or frames published
// before it attached. Their event times lie between the two bounds (the engine's
// event time never goes back), which is what a windowed job needs to flag the
// windows they may have belonged to.
struct Gap {
  std::uint64_t missed = 0;           // frames; 0 when only known to be "some" (attached mid-stream)
  std::int64_t after_ns = kNoTime;    // event time of the last frame before the gap; kNoTime: the stream's start
  std::int64_t before_ns = kNoTime;   // event time of the first frame after it
};

class Job {
 public:
  virtual ~Job() = default;

  // The name on the command line (--job NAME) and in status lines.
  virtual std::string_view name() const noexcept = 0;
  // Whether on_event() wants frames of this type; asked at bind().
  virtual bool reads(EventType type) const noexcept = 0;

  // A new input stream (the first attach, a new writer generation): state from
  // a previous stream is dropped and sized for `symbols`, which stays valid
  // until the next bind(). Counters survive.
  virtual void bind(const SymbolTable& symbols) = 0;

  // One frame of a type reads() accepted.
  virtual void on_event(const FrameHeader& frame, const EventContext& context, RecordSink& out) = 0;

  // The watermark reached next_timer_ns(): fire and expire what is due, then set
  // next_timer_ns_ to the next deadline (kNoTimer for none).
  virtual void on_watermark(const EventContext& context, RecordSink& out) {
    (void)context;
    (void)out;
    next_timer_ns_ = kNoTimer;
  }

  // Frames were lost just before the next on_event() (see Gap).
  virtual void on_gap(const Gap& gap) { (void)gap; }

  // The stream ended (its writer closed or died, or a new generation replaced
  // it): emit what is pending as a final watermark would, then hold nothing.
  virtual void end_of_stream(const EventContext& context, RecordSink& out) {
    (void)context;
    (void)out;
  }

  // Counters for the status lines, e.g. "trades 1200, emitted 36".
  virtual std::string status() const = 0;

  // The watermark at which on_watermark() is next due; the runtime compares it
  // after every frame that moves the watermark, so a job without timers costs
  // one comparison.
  std::int64_t next_timer_ns() const noexcept { return next_timer_ns_; }

 protected:
  std::int64_t next_timer_ns_ = kNoTimer;
};

}  // namespace ringside::processors
