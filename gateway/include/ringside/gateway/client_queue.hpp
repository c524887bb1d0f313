// A client's queue of frames waiting to be written, bounded in frames and bytes.
//
// Frames are either shared (a message in a Batch, referenced, not copied) or
// owned (a reply or heartbeat made for this client). The writer takes frames
// from the front, possibly many per socket write; they stay counted until the
// write completes, since their memory is still in use.
//
// The policy for a client that cannot keep up is the caller's (the hub closes
// it with 1008): push() only says that a frame would pass a limit, and then
// queues nothing, so one slow client never costs more than its limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "ringside/gateway/batch.hpp"

namespace ringside::gateway {

struct QueueLimits {
  std::size_t max_bytes = 8u << 20;
  std::size_t max_frames = 65536;
};

struct OutFrame {
  const std::byte* data = nullptr;
  std::uint32_t size = 0;
  bool owned = false;      // the front of owned_ holds it
  Batch* batch = nullptr;  // holds a reference while queued (shared frames)
};

class ClientQueue {
 public:
  explicit ClientQueue(QueueLimits limits) : limits_(limits) {}
  ~ClientQueue() { clear(); }
  ClientQueue(const ClientQueue&) = delete;
  ClientQueue& operator=(const ClientQueue&) = delete;

  // False (and nothing queued) if the frame would pass a limit.
  bool push_shared(Batch& batch, const std::byte* frame, std::uint32_t size);
  bool push_owned(std::string frame);  // a complete WebSocket frame

  std::size_t frames() const noexcept { return count_; }
  std::size_t bytes() const noexcept { return bytes_; }
  bool empty() const noexcept { return count_ == 0; }
  const QueueLimits& limits() const noexcept { return limits_; }

  // The i-th frame from the front (i < frames()).
  const OutFrame& at(std::size_t i) const noexcept { return ring_[(head_ + i) & (ring_.size() - 1)]; }
  // Removes n frames from the front (after they were written).
  void pop(std::size_t n) noexcept;
  // Drops every frame from the i-th on (those before may be in a write).
  void truncate(std::size_t keep) noexcept;
  void clear() noexcept { truncate(0); }

 private:
  bool fits(std::size_t size) const noexcept {
    return count_ + 1 <= limits_.max_frames && bytes_ + size <= limits_.max_bytes;
  }
  void grow();
  void push(const OutFrame& f);
  void drop(const OutFrame& f) noexcept;

  QueueLimits limits_;
  std::vector<OutFrame> ring_;  // power-of-two capacity, grown on demand up to max_frames
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  std::size_t bytes_ = 0;
  std::deque<std::string> owned_;  // owned frames in queue order
};

}  // namespace ringside::gateway
