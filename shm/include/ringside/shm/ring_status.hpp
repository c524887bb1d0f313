// A read-only snapshot of a ring for tools and metrics: the header, the writer's
// liveness and counters, and every occupied reader slot with how far behind it is.
//
//   RingMap m = open_ring("events", /*register_slots=*/false, {});  // never takes a slot
//   RingStatus s = snapshot_ring(m);
//
// Taking a snapshot writes nothing to the ring and never waits for its writer:
// every field is loaded once (the writer may move on meanwhile, so the numbers
// are consistent to within the few microseconds the snapshot takes), and frame
// headers in the data region are read like a lossy reader reads them, so an
// overwritten frame is reported as such instead of being misread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringside/core/frame.hpp"
#include "ringside/shm/ring_file.hpp"

namespace ringside::shm {

// The writer as a tool sees it, from WriterState, the pid and the heartbeat.
enum class WriterCondition {
  Running,     // state Running and the process exists
  Silent,      // state Running, the process exists, but no heartbeat for longer than the ring's reader timeout
  Closed,      // stopped cleanly (WriterState::Closed)
  Dead,        // state Running but the process is gone: it crashed or was killed
  Superseded,  // a newer writer replaced this file (seen only while it is being swapped in)
};
std::string_view to_string(WriterCondition) noexcept;  // "running", "silent", "closed", "dead", "superseded"
std::string_view to_string(SlotState) noexcept;        // "free", "claimed", "active", "evicted"
std::string_view to_string(ReaderKind) noexcept;       // "lossy", "lossless"
std::string_view to_string(Backing) noexcept;          // "shm", "hugetlbfs"

// Sequence and times of one intact frame in the data region.
struct FrameStamp {
  std::uint64_t position = 0;  // where it starts
  std::uint64_t sequence = 0;
  std::int64_t event_time_ns = 0;
  std::int64_t publish_time_ns = 0;  // 0 when the writer does not stamp publish times
};

// How far a reader's next unread frame lies behind the newest frame, in time.
enum class LagTime {
  CaughtUp,     // nothing unread
  Known,        // lag_time_ns holds publish(newest) - publish(next unread)
  Overwritten,  // the next unread frame is gone: the (lossy) reader has been lapped
  Unknown,      // the frames carry no publish time, or the position is not a frame
};
std::string_view to_string(LagTime) noexcept;  // "caught up", "known", "overwritten", "unknown"

struct ReaderStatus {
  std::uint32_t slot = 0;
  std::string name;
  ReaderKind kind = ReaderKind::Lossy;
  SlotState state = SlotState::Free;
  std::uint32_t pid = 0;
  bool alive = false;
  std::int64_t attached_ns = 0;        // CLOCK_REALTIME
  std::int64_t heartbeat_age_ns = 0;
  std::uint64_t position = 0;          // bytes consumed
  std::uint64_t next_sequence = 0;     // sequence it reads next; 0 before its first frame
  std::uint64_t evicted_at_position = 0;
  std::int64_t stall_caused_ns = 0;    // the writer's waits on this reader
  // Derived:
  std::optional<std::uint64_t> lag_frames;  // writer's next_sequence - the reader's; nullopt if not derivable
  std::uint64_t lag_bytes = 0;              // write_position - position
  LagTime lag_time = LagTime::Unknown;
  std::int64_t lag_time_ns = 0;             // with LagTime::Known
};

struct RingStatus {
  // Identity (immutable after creation).
  std::string name;
  std::filesystem::path path;  // the name in the ring directory
  std::filesystem::path file;  // the real file: the hugetlbfs file behind the symlink, else `path`
  std::uint32_t layout_version = 0;
  std::uint32_t frame_alignment = 0;
  std::uint64_t capacity = 0;
  std::uint64_t file_size = 0;
  std::uint32_t max_frame_length = 0;
  Backing backing = Backing::SharedMemory;
  std::uint64_t page_size = 0;
  std::uint64_t generation = 0;
  std::int64_t created_ns = 0;         // CLOCK_REALTIME
  std::int64_t reader_timeout_ns = 0;
  std::uint32_t reader_slots = 0;
  std::uint64_t metadata_size = 0;

  // Writer.
  std::uint32_t writer_pid = 0;
  bool writer_alive = false;
  WriterCondition writer = WriterCondition::Running;
  std::int64_t heartbeat_age_ns = 0;

  // Counters.
  std::uint64_t write_position = 0;
  std::uint64_t head_position = 0;
  std::uint64_t next_sequence = 0;     // the sequence the next frame gets; frames published = next_sequence - 1
  std::uint64_t stall_ns = 0;
  std::uint64_t stall_count = 0;
  std::uint64_t evictions = 0;
  std::optional<FrameStamp> newest;    // the newest published frame, if intact

  std::vector<ReaderStatus> readers;   // occupied slots (not Free), by slot index
  std::int64_t taken_ns = 0;           // CLOCK_MONOTONIC when the snapshot was taken

  std::uint64_t frames_published() const noexcept { return next_sequence > 0 ? next_sequence - 1 : 0; }
};

// Snapshot of a mapped ring (any mapping: open_ring with or without slots).
RingStatus snapshot_ring(const RingMap& ring);

// The frame that starts at `position` (skipping a padding record there), if it
// is published and still intact; nullopt otherwise. Reads like a lossy reader:
// copy, acquire fence, re-check the overwrite horizon.
std::optional<FrameStamp> intact_frame_at(const RingMap& ring, std::uint64_t position) noexcept;

// Whether the process is a zombie (exited, not yet reaped): process_alive()
// says yes to a zombie, a status report should not.
bool process_zombie(std::uint32_t pid) noexcept;

}  // namespace ringside::shm
