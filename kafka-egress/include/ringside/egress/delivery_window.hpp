// The frames of one ring handed to Kafka and not yet finished, in ring order.
//
// A frame is finished when every message made from it is acknowledged (or, for
// one that failed for good, its dead letter is). Acknowledgements arrive out of
// order (partitions are independent), so the window keeps a count per sequence
// and moves its low edge over the finished prefix: everything below
// next_unfinished() is in Kafka, which is what the egress commits to its state
// file and releases in the ring. Fixed capacity, no allocation after
// construction; single-threaded (librdkafka's delivery reports are served on the
// egress thread by rd_kafka_poll).
#pragma once

#include <cstdint>
#include <memory>

namespace ringside::egress {

class DeliveryWindow {
 public:
  explicit DeliveryWindow(std::size_t capacity);  // rounded up to a power of two

  // Empties the window; the next frame added must be `next_sequence` or later.
  void reset(std::uint64_t next_sequence, std::uint64_t position) noexcept;

  // Whether add(sequence) has room: `sequence` lies within capacity of the low edge.
  bool has_room(std::uint64_t sequence) const noexcept { return sequence - low_ < capacity_; }

  // A frame read from the ring, ending at ring position `end_position`, with
  // `messages` messages in flight for it (0: nothing was sent, it is finished).
  // Sequences skipped since the last add (frames the reader missed) count as
  // finished: they are reported as lost elsewhere. Precondition: sequence >=
  // next_sequence(), and has_room(sequence) unless the window is empty (an empty
  // window moves to any sequence).
  void add(std::uint64_t sequence, std::uint64_t end_position, std::uint32_t messages,
           std::int64_t publish_time_ns) noexcept;

  // One more message for a frame still in flight (a dead letter replacing a
  // failed message, a retry). Precondition: in flight.
  void add_message(std::uint64_t sequence) noexcept { ++entry(sequence).pending; }
  // One message of frame `sequence` is done. Returns the frame's publish time.
  std::int64_t finish(std::uint64_t sequence) noexcept;
  bool in_flight(std::uint64_t sequence) const noexcept {
    return sequence >= low_ && sequence < next_ && entries_[sequence & mask_].pending != 0;
  }

  // Moves the low edge over finished frames; true if it moved.
  bool advance() noexcept;

  std::uint64_t next_unfinished() const noexcept { return low_; }     // the sequence to resume at
  std::uint64_t released_position() const noexcept { return low_position_; }  // ring bytes done with
  std::uint64_t next_sequence() const noexcept { return next_; }       // one past the newest added
  std::uint64_t frames_in_flight() const noexcept { return next_ - low_; }
  bool empty() const noexcept { return next_ == low_; }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  struct Entry {
    std::uint64_t end_position;
    std::int64_t publish_time_ns;
    std::uint32_t pending;
  };
  Entry& entry(std::uint64_t sequence) noexcept { return entries_[sequence & mask_]; }

  std::size_t capacity_;
  std::uint64_t mask_;
  std::unique_ptr<Entry[]> entries_;
  std::uint64_t low_ = 0;           // oldest unfinished sequence (or next_ when empty)
  std::uint64_t next_ = 0;          // one past the newest added
  std::uint64_t low_position_ = 0;  // ring position just past the finished prefix
};

}  // namespace ringside::egress
