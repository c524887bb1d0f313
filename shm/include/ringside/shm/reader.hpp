// A reader of a ring, in any process, attached by name.
//
//   RingReader r = RingReader::attach("events", {.kind = ReaderKind::Lossy});
//   for (;;) {
//     ReadResult got = r.read();
//     if (got.status == ReadStatus::Frame) use(*got.frame);   // valid until the next read()
//   }
//
// Lossy readers copy each frame out and check afterwards that the writer did not
// overwrite it meanwhile, so they never return a torn frame; when lapped they
// resume and report exactly how many frames they missed. Lossless readers read
// in place: the writer waits for them (and evicts them if they die or go silent).
// A reader that has caught up polls the next frame's own sequence field, not the
// cursor (shm/README.md, "Committed at a glance").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "ringside/core/events.hpp"
#include "ringside/shm/burst_backoff.hpp"
#include "ringside/shm/ring_file.hpp"

namespace ringside::shm {

enum class StartAt {
  Oldest,  // the oldest intact frame (within one chunk, capacity/64 bytes, of the true oldest)
  Newest,  // the newest frame already published, then everything after it
  Next,    // only frames published after attaching
};

enum class ReadStatus {
  Frame,          // `frame` is the next frame
  Empty,          // nothing new; the writer is alive as far as the last check knows
  Evicted,        // (lossless) the writer evicted this reader; see behind_frames(). The
                  // frame of the previous read() may have been overwritten while in use.
  WriterClosed,   // the writer stopped cleanly and everything was read
  WriterDead,     // the writer's process is gone and everything was read
  NewGeneration,  // a new writer replaced the ring; reattach() to follow it
};
std::string_view to_string(ReadStatus) noexcept;

struct ReadResult {
  ReadStatus status = ReadStatus::Empty;
  const FrameHeader* frame = nullptr;  // with Frame: valid until the next read()
  std::uint64_t missed = 0;            // with Frame: frames lost just before this one (lapped)
};

struct ReaderOptions {
  ReaderKind kind = ReaderKind::Lossy;
  StartAt start = StartAt::Newest;
  StartAt resume_after_lap = StartAt::Newest;  // where a lapped lossy reader continues
  std::chrono::milliseconds wait_for_ring{0};  // 0: fail at once if the ring does not exist
  std::string name;                            // shown by `ringside inspect`
  bool register_lossy = true;                  // lossy readers appear in the reader table when permitted
  std::chrono::milliseconds liveness_check{100};  // how often an idle reader checks on the writer (0: every empty read)
  // Lossless only. true: a frame is done with at the next read(). false: frames stay
  // held, valid in place, until release() says so (the writer may not overwrite
  // them), for a reader
  // whose work on a frame finishes later and out of order (Kafka acknowledgements).
  bool release_on_read = true;
  // How long a reader that has caught up with a busy writer waits before it looks
  // again, so that it reads behind the writer instead of at its head (BurstBackoff,
  // shm/README.md "Reading behind a busy writer"). Only while the writer publishes
  // faster than 10 M frames/s and each wait lets 16 frames or more through, and
  // never longer than the writer takes to fill a quarter of the ring; a frame
  // waits at most this long. 0: always poll the head.
  std::chrono::nanoseconds burst_backoff{std::chrono::microseconds{32}};
};

struct WriterStatus {
  std::uint32_t pid = 0;
  bool alive = false;
  WriterState state = WriterState::Running;
  std::int64_t heartbeat_age_ns = 0;
  std::uint64_t generation = 0;
};

class RingReader {
 public:
  // Throws RingError if the ring does not exist (after wait_for_ring), is not a
  // valid ring file, or (lossless) the reader table is full or not writable.
  static RingReader attach(std::string_view name, const ReaderOptions& options = {});

  RingReader(RingReader&& other) noexcept = default;
  RingReader& operator=(RingReader&& other) noexcept;
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;
  ~RingReader();  // detaches: frees the reader-table slot

  // A poll: returns at once, Empty when nothing new has come. How to wait between
  // empty polls (spin, pause, yield, sleep) is the caller's choice; read() spins on
  // nothing itself except BurstBackoff's wait behind a busy writer. A spinning caller
  // that shares its core with an SMT sibling may want a pause between polls; on a KVM
  // guest, a loop of nothing but pauses is what triggers pause-loop exits.
  ReadResult read() noexcept;

  // Maps the ring's current generation again (after NewGeneration, WriterDead
  // or Evicted) and starts as the options say. Throws RingError like attach().
  void reattach(std::chrono::milliseconds wait = std::chrono::milliseconds{0});

  // Tells the writer this (lossless) reader is alive while it is busy elsewhere;
  // read() does it on its own every 256 frames and every 1024 empty polls.
  void heartbeat() noexcept;

  // With release_on_read = false: everything below `end_position` (a position()
  // seen after some read()) is done with, and the writer may overwrite it;
  // `next_sequence` is the first frame not done (for the lag `ringside inspect`
  // shows). Positions only grow: a smaller one is ignored.
  void release(std::uint64_t end_position, std::uint64_t next_sequence) noexcept;

  // Whether the frame the last read() returned is still whole: always for a lossy
  // reader (it holds a checked copy); for a lossless reader, false once it has been
  // evicted, since the writer may then overwrite the frame in place. A reader that
  // must never pass on a torn frame (the recorder) asks after copying it out.
  bool frame_intact() const noexcept;

  WriterStatus writer_status() const noexcept;
  std::uint64_t generation() const noexcept { return map_.header->generation; }
  std::uint64_t position() const noexcept { return position_; }
  std::uint64_t missed_total() const noexcept { return missed_total_; }
  std::uint64_t next_sequence() const noexcept { return expected_; }
  // After Evicted: frames published that this reader had not read.
  std::uint64_t behind_frames() const noexcept { return behind_frames_; }
  bool registered() const noexcept { return slot_ != nullptr; }
  const RingMap& ring() const noexcept { return map_; }
  std::span<const std::byte> metadata() const noexcept { return map_.metadata(); }

 private:
  RingReader(RingMap map, const ReaderOptions& options);
  void start(StartAt where);
  void register_slot();
  void release_slot() noexcept;
  void resync_after_lap() noexcept;
  std::uint64_t newest_frame_position() const noexcept;
  std::uint64_t sequence_at(std::uint64_t position) const noexcept;
  std::uint64_t oldest_frame_position() const noexcept;
  enum class Glance { Committed, NotYet, AskTheCursor };
  Glance glance() const noexcept;
  ReadResult idle() noexcept;
  void publish_progress() noexcept;

  RingMap map_;
  ReaderOptions options_;
  const RingHeader* header_ = nullptr;
  const std::byte* data_ = nullptr;
  ReaderSlot* slot_ = nullptr;
  RingGeometry geometry_;
  std::uint64_t position_ = 0;         // next byte to read
  std::uint64_t available_ = 0;        // write_position last seen
  std::uint64_t published_ = 0;        // position last stored in the slot
  std::uint64_t expected_ = 0;         // sequence of the next frame; 0 if unknown (lost at start)
  std::uint64_t missed_total_ = 0;
  std::uint64_t behind_frames_ = 0;
  std::uint32_t since_heartbeat_ = 0;
  std::uint32_t fruitless_resyncs_ = 0;  // resyncs since the last frame returned (corrupt-ring guard)
  std::uint32_t idle_polls_ = 0;
  std::int64_t next_liveness_check_ = 0;
  BurstBackoff backoff_;
  FrameBuffer copy_;                   // a lossy reader's validated copy of the current frame
};

}  // namespace ringside::shm
