// The single writer of a ring: claim space, write frames in place, commit.
//
//   RingWriter w = RingWriter::create("events", options);
//   auto& trade = w.claim<TradeExecuted>();   // in the ring, no copy
//   ...fill trade...
//   w.commit();                               // readers see it now
//
// A frame's `sequence` field is the ring's: commit() stores it last, and readers
// take it as the frame's commit mark (shm/README.md, "Committed at a glance").
// Its `length` is the one claimed: commit() stores it, whatever the fill wrote.
//
// Hot path (claim, commit): no locks, no system calls, no allocation. The only
// waiting is for a lossless reader that still needs the space (backpressure),
// counted in the header's stall_ns; a dead or silent reader is evicted then.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "ringside/core/events.hpp"
#include "ringside/shm/ring_file.hpp"

namespace ringside::shm {

class RingWriter {
 public:
  static RingWriter create(std::string_view name, const CreateOptions& options = {});

  RingWriter(RingWriter&& other) noexcept = default;
  RingWriter& operator=(RingWriter&& other) noexcept;  // closes this ring first
  RingWriter(const RingWriter&) = delete;
  RingWriter& operator=(const RingWriter&) = delete;
  ~RingWriter();  // marks the ring Closed (a clean stop, unlike a crash)

  // Reserves `length` bytes (a multiple of kFrameAlignment, sizeof(FrameHeader)..
  // max_frame_length()) and returns where to write the frame. Invisible to readers
  // until commit(). May wait for lossless readers. Precondition on length: checked
  // with a std::terminate-free fallback (returns nullptr) so bad sizes never corrupt.
  // The frame's `sequence` field belongs to the ring: write every other byte and
  // leave it alone (init_header sets it to 0, which is fine); commit() stores it
  // last, and readers take it as the frame's commit mark. To copy a finished
  // frame in, use claim_copy().
  void* claim(std::uint32_t length) noexcept;

  template <EventFrame Event>
  Event& claim(std::uint32_t length = fixed_frame_length<Event>()) noexcept {
    return *static_cast<Event*>(claim(length));
  }

  // Publishes every frame claimed since the last commit: each gets its claimed
  // length, the next sequence number (and, with the overload, publish_time_ns),
  // then one release store of the cursor makes the batch visible at once.
  // Up to kPendingFrames frames a batch, nothing is read back from the ring.
  void commit() noexcept { commit_frames(false, 0); }
  void commit(std::int64_t publish_time_ns) noexcept { commit_frames(true, publish_time_ns); }

  // Whether claim(length) would return at once: true unless a lossless reader
  // still needs the space. Scans the reader table when the claim would raise the
  // overwrite horizon: for writers that must never wait (the engine answering an
  // order-entry client), not for the per-event path of the live ring.
  bool can_claim_now(std::uint32_t length) const noexcept;
  // Claims frame.length bytes and copies the frame in, all but its sequence
  // field (a recorded or relayed frame's sequence could be the one a reader
  // waits for). Returns where it went, or nullptr as claim() does.
  void* claim_copy(const FrameHeader& frame) noexcept;
  // claim_copy(frame), then commit().
  bool publish(const FrameHeader& frame) noexcept;

  // Liveness for readers and tools (CLOCK_MONOTONIC). Call from the owner's loop
  // now and then (the engine: every tick); it is not on the per-event path.
  void heartbeat() noexcept;

  std::uint64_t generation() const noexcept { return map_.header->generation; }
  std::uint64_t capacity() const noexcept { return geometry_.capacity; }
  std::uint32_t max_frame_length() const noexcept { return geometry_.max_frame; }
  std::uint64_t next_sequence() const noexcept { return next_sequence_; }
  std::uint64_t position() const noexcept { return commit_position_; }
  const RingMap& ring() const noexcept { return map_; }
  const BackingReport& backing() const noexcept { return map_.backing; }

 private:
  explicit RingWriter(RingMap map);
  void commit_frames(bool stamp, std::int64_t publish_time_ns) noexcept;
  void make_room(std::uint64_t end) noexcept;
  void wait_for_lossless_readers(std::uint64_t horizon) noexcept;
  std::uint64_t commit_read_back(std::uint64_t p, bool stamp, std::int64_t publish_time_ns) noexcept;

  // The lengths of the frames claimed since the last commit, so that commit()
  // finds and marks them without loading from the ring: a load from the line a
  // reader polls cost 10-30 ns per publish (bench/README.md, "publish"). A batch
  // of more frames has the rest's lengths read back from the ring and checked.
  static constexpr std::size_t kPendingFrames = 256;
  std::array<std::uint32_t, kPendingFrames> pending_lengths_{};
  std::size_t pending_ = 0;    // frames claimed since the last commit

  RingMap map_;
  std::byte* data_ = nullptr;
  RingHeader* header_ = nullptr;
  RingGeometry geometry_;
  std::uint64_t claim_position_ = 0;   // end of the last claimed frame
  std::uint64_t commit_position_ = 0;  // end of the last committed frame
  std::uint64_t last_frame_ = 0;       // start of the last claimed frame
  std::uint64_t limit_ = 0;            // claims may end here without overwriting intact bytes
  std::uint64_t next_sequence_ = 1;
  bool closed_ = false;
};

}  // namespace ringside::shm
