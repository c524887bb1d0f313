// The shared-memory layout of a ring file. See shm/README.md for the picture.
//
//   [0, reader_table_offset)            header (one page) + metadata (symbol table image)
//   [reader_table_offset, data_offset)  reader table: kReaderSlots slots of 128 bytes
//   [data_offset, file_size)            data: `capacity` bytes (a power of two) of frames
//
// Each region starts on a page of the backing (4 KiB, or 2 MiB on hugetlbfs), so
// readers can map the header and data read-only and only the reader table writable.
//
// Positions are byte counts since the ring's start that only grow; a position p
// lives at data[p & (capacity - 1)]. Frames never straddle the end of the data
// region: the writer fills the tail with a padding record (type 0) instead.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace ringside::shm {

inline constexpr std::uint64_t kMagic = 0x31474e4952535201ull;  // "\x01RSRING1" little-endian
inline constexpr std::uint32_t kLayoutVersion = 1;
inline constexpr std::size_t kCacheLine = 64;
inline constexpr std::uint32_t kReaderSlots = 64;  // at most 64: the writer tracks blockers in a 64-bit mask
inline constexpr std::size_t kHeaderPage = 4096;  // the header's own bytes; metadata follows

enum class Backing : std::uint32_t { SharedMemory = 1, Hugetlbfs = 2 };
enum class WriterState : std::uint32_t { Running = 1, Closed = 2, Superseded = 3 };
enum class SlotState : std::uint32_t { Free = 0, Claimed = 1, Active = 2, Evicted = 3 };
enum class ReaderKind : std::uint32_t { Lossy = 1, Lossless = 2 };

// A padding record: the first 8 bytes of a frame header with type 0. It fills the
// data region's tail when the next frame does not fit there; readers skip it.
struct PaddingRecord {
  std::uint32_t length;
  std::uint8_t type;  // always 0: no event type is 0
  std::uint8_t reserved[3];
};
inline constexpr std::uint8_t kPaddingType = 0;

// A frame's sequence field (core's FrameHeader, bytes 8..15) doubles as its
// commit mark: the writer stores it last, with release, and zeroes it at claim,
// along with the field where the next frame will start (RingGeometry::glanceable).
inline constexpr std::size_t kSequenceOffset = 8;
inline constexpr std::size_t kSequenceEnd = kSequenceOffset + sizeof(std::uint64_t);

struct RingHeader {
  // --- lines 0-2: identity, written once by the creating writer, read-only after ---
  alignas(kCacheLine) std::uint64_t magic;
  std::uint32_t layout_version;
  std::uint32_t frame_alignment;
  std::uint64_t capacity;             // data bytes, a power of two
  std::uint64_t file_size;
  std::uint64_t reader_table_offset;
  std::uint64_t data_offset;
  std::uint32_t reader_slots;
  Backing backing;
  std::uint64_t page_size;            // of the backing: 4096 or 2 MiB
  std::uint64_t generation;           // +1 at every writer start on this name
  std::int64_t created_ns;            // CLOCK_REALTIME
  std::uint64_t metadata_offset;
  std::uint64_t metadata_size;        // bytes of the symbol table image
  std::int64_t reader_timeout_ns;     // a lossless reader silent this long is evicted
  std::uint32_t writer_pid;
  std::uint32_t max_frame_length;
  char name[80];

  // --- line 3: the publish cursor, written by the writer at every commit ---
  // Readers poll it; nothing else lives here so their polling only shares the
  // line with the one store that must reach them.
  alignas(kCacheLine) std::atomic<std::uint64_t> write_position;
  std::atomic<std::uint64_t> last_frame_position;  // start of the newest frame

  // --- line 4: the overwrite horizon, written by the writer once per chunk ---
  // Bytes at positions >= head_position are intact; the writer raises it (by
  // whole chunks) before it overwrites anything below. Not a frame boundary:
  // chunk_start below finds the first frame at or after it.
  alignas(kCacheLine) std::atomic<std::uint64_t> head_position;

  // --- line 5: writer liveness and counters, written rarely, read by tools ---
  alignas(kCacheLine) std::atomic<std::uint32_t> writer_state;  // WriterState
  std::atomic<std::int64_t> heartbeat_ns;                      // CLOCK_MONOTONIC
  std::atomic<std::uint64_t> next_sequence;                    // sequence the next frame gets
  std::atomic<std::uint64_t> stall_ns;                         // time spent waiting for lossless readers
  std::atomic<std::uint64_t> stall_count;
  std::atomic<std::uint64_t> evictions;

  // --- lines 6-13: position of the first frame that starts in each chunk of the
  // data region (capacity / kChunks bytes), so a reader can find the oldest
  // intact frame without walking the ring. Stale entries (older laps) are
  // below head_position and skipped.
  alignas(kCacheLine) std::atomic<std::uint64_t> chunk_start[64];
};
inline constexpr std::uint64_t kChunks = 64;
static_assert(offsetof(RingHeader, write_position) == 3 * kCacheLine);
static_assert(offsetof(RingHeader, head_position) == 4 * kCacheLine);
static_assert(offsetof(RingHeader, writer_state) == 5 * kCacheLine);
static_assert(offsetof(RingHeader, chunk_start) == 6 * kCacheLine);
static_assert(sizeof(RingHeader) <= kHeaderPage);

// One reader's slot. Line 0 is the reader's own (its progress, updated as it
// reads); line 1 is registration, written at attach and detach, and by the
// writer only to evict. The writer reads line 0 of lossless readers for gating.
struct ReaderSlot {
  alignas(kCacheLine) std::atomic<std::uint64_t> position;  // bytes consumed: everything below is done
  std::atomic<std::uint64_t> next_sequence;                 // sequence of the next frame it expects
  std::atomic<std::int64_t> heartbeat_ns;                   // CLOCK_MONOTONIC

  alignas(kCacheLine) std::atomic<std::uint32_t> state;     // SlotState
  ReaderKind kind;
  std::uint32_t pid;
  std::int64_t attached_ns;                                 // CLOCK_REALTIME
  std::atomic<std::uint64_t> evicted_at_position;
  std::atomic<std::int64_t> stall_caused_ns;                // writer's wait on this reader
  char name[24];
};
static_assert(sizeof(ReaderSlot) == 2 * kCacheLine);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);  // shared between processes

// What both ends of a ring derive from its header, once, at attach or create.
struct RingGeometry {
  std::uint64_t capacity = 0;     // data bytes, a power of two
  std::uint64_t mask = 0;         // position -> offset in the data region
  std::uint64_t chunk_shift = 0;  // position -> chunk (capacity / kChunks bytes)
  std::uint32_t max_frame = 0;

  // Whether the record at `position` can only be a frame, never a padding record:
  // any frame fits between it and the end of the data region. There, a reader
  // knows a frame is committed when its sequence field holds the sequence it
  // expects (one cache line to poll instead of the cursor's and the frame's): each
  // claim zeroes the field where the next frame will start (RingWriter::claim).
  bool glanceable(std::uint64_t position) const noexcept { return (position & mask) + max_frame <= capacity; }

  // The padding a frame of `length` bytes claimed at `position` comes after: a
  // frame never straddles the end of the data region, so one that would is
  // placed at the start, after padding to the end.
  std::uint64_t padding_before(std::uint64_t position, std::uint64_t length) const noexcept {
    const std::uint64_t offset = position & mask;
    return offset + length > capacity ? capacity - offset : 0;
  }

  static RingGeometry of(const RingHeader& h) noexcept {
    return {h.capacity, h.capacity - 1, static_cast<std::uint64_t>(std::countr_zero(h.capacity / kChunks)),
            h.max_frame_length};
  }
};

}  // namespace ringside::shm
