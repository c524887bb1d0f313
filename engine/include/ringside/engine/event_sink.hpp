// Where the engine's events go: the live ring in production, a counter in the
// matching benchmark, a buffer in tests and a file in batch runs.
//
// The engine writes each event once, in place: claim() hands out room for one
// frame, the engine fills it, and commit() publishes every frame claimed since
// the last commit as one batch (one order's OrderPlaced, trades, cancels and
// quote update together). A sink never fails a claim: the ring waits for its
// lossless readers, the others grow or count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <vector>

#include "ringside/core/events.hpp"

namespace ringside::shm {
class RingWriter;
}

namespace ringside::engine {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Room for one frame of `length` bytes (a multiple of kFrameAlignment, at most kMaxFrameLength).
  virtual void* claim(std::uint32_t length) noexcept = 0;
  virtual void commit() noexcept = 0;

  template <EventFrame Event>
  Event& claim(std::uint32_t length = fixed_frame_length<Event>()) noexcept {
    return *static_cast<Event*>(claim(length));
  }
};

// Counts frames by type and sums traded volume, writing each frame into one
// scratch buffer: the matching benchmark's sink. A frame is counted when the next
// one is claimed or at commit, once the engine has filled it in.
class CountingSink final : public EventSink {
 public:
  void* claim(std::uint32_t length) noexcept override;
  void commit() noexcept override;

  std::uint64_t frames() const noexcept { return frames_; }
  std::uint64_t commits() const noexcept { return commits_; }
  std::uint64_t frames_of(EventType type) const noexcept { return by_type_[static_cast<std::uint8_t>(type)]; }
  Volume traded_volume() const noexcept { return traded_volume_; }

 private:
  void count_pending() noexcept;

  FrameBuffer scratch_;
  bool pending_ = false;
  std::uint64_t frames_ = 0;
  std::uint64_t commits_ = 0;
  Volume traded_volume_ = 0;
  std::uint64_t by_type_[256] = {};
};

// Keeps every committed frame in memory, in order; sequence numbers are assigned
// at commit like the ring's, publish_time_ns stays 0. For tests and batch runs.
class BufferSink final : public EventSink {
 public:
  void* claim(std::uint32_t length) noexcept override;
  void commit() noexcept override;

  std::span<const std::byte> committed() const noexcept { return {bytes_.data(), committed_}; }
  std::uint64_t next_sequence() const noexcept { return next_sequence_; }
  // Visits every committed frame.
  template <class Visit>
  void for_each(Visit&& visit) const {
    for (std::size_t off = 0; off < committed_;) {
      const auto& h = *reinterpret_cast<const FrameHeader*>(bytes_.data() + off);
      visit(h);
      off += h.length;
    }
  }
  void clear() noexcept;

 private:
  std::vector<std::byte> bytes_;
  std::size_t claimed_ = 0;
  std::size_t committed_ = 0;
  std::uint64_t next_sequence_ = 1;
};

// Publishes into a ring; commit stamps publish_time_ns with CLOCK_REALTIME.
class RingSink final : public EventSink {
 public:
  explicit RingSink(shm::RingWriter& writer) noexcept : writer_(writer) {}
  void* claim(std::uint32_t length) noexcept override;
  void commit() noexcept override;

 private:
  shm::RingWriter& writer_;
};

// Appends committed frames to a file (sequence assigned, publish_time_ns 0), so two
// max-mode runs can be compared byte for byte. Buffered; flush() or the destructor writes.
class FileSink final : public EventSink {
 public:
  explicit FileSink(const std::filesystem::path& file);  // throws std::runtime_error
  ~FileSink() override;
  void* claim(std::uint32_t length) noexcept override { return buffer_.claim(length); }
  void commit() noexcept override;
  void flush();  // throws std::runtime_error naming the file on a write failure
  std::uint64_t frames() const noexcept { return buffer_.next_sequence() - 1; }

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  BufferSink buffer_;
};

}  // namespace ringside::engine
