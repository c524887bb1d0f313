// Reading capture files written by `ringside record` (format: capture_format.hpp,
// tools/README.md "Captures: record and replay").
//
//   CaptureReader r = CaptureReader::open({"events.cap"});   // + events.cap.0001, .0002 ...
//   while (const FrameHeader* f = r.next()) use(*f, r.symbols());
//   for (const CaptureDamage& d : r.damage()) report(d);
//
// Only frames of blocks whose checksums verify (and whose every frame passes
// check_frame) are returned. A damaged block (bad checksum, truncated by a killed
// recorder, a hole, impossible sizes) is skipped whole and recorded in damage();
// the reader resumes at the next 4 KiB-aligned offset that holds a valid block
// header. Reading goes through io_uring with several reads in flight; next() does
// no allocation and no system call per frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ringside/core/frame.hpp"
#include "ringside/core/instrument.hpp"
#include "ringside/tools/input_error.hpp"

namespace ringside::tools {

// One file of a capture: its own header, readable alone.
struct CaptureSegmentInfo {
  std::filesystem::path file;
  std::string ring_name;            // the ring it was recorded from
  std::uint64_t generation = 0;     // the ring writer's generation (a restart starts a new segment)
  std::int64_t start_time_ns = 0;   // CLOCK_REALTIME when the segment was started
  std::uint32_t segment = 0;        // number within its capture: 0 for FILE, N for FILE.000N
  std::uint64_t capture_id = 0;     // the same in every segment of one recording
  std::uint64_t ring_capacity = 0;  // data bytes of the recorded ring
  std::uint32_t max_frame_length = 0;
  std::int64_t ring_created_ns = 0;  // when the recorded generation was created
  std::uint64_t file_size = 0;      // when opened
  std::uint64_t data_offset = 0;    // first block
  std::uint32_t max_block_bytes = 0;  // no block of this segment is larger
  bool closed_cleanly = false;      // a trailer was found (the recorder closed the segment)
  std::vector<std::byte> metadata;  // the ring's metadata as recorded: SymbolTable::to_image()
};

// A stretch of a file the reader could not use.
struct CaptureDamage {
  std::filesystem::path file;
  std::uint64_t offset = 0;         // byte offset in `file` where the damage starts
  std::uint64_t bytes_skipped = 0;  // bytes from there that were not read as frames
                                    // (a segment with a bad header: the whole file)
  std::string problem;              // e.g. "block 17: payload checksum mismatch"
};
// "FILE: offset N: problem (B bytes skipped)".
std::string to_string(const CaptureDamage& damage);

struct CaptureReadOptions {
  // Each FILE given is followed by its numbered segments FILE.0001, FILE.0002 ...
  // (those that exist, consecutively, with the same capture id). Paths named twice
  // (a shell glob of FILE*) are read once.
  bool follow_segments = true;
  std::uint32_t reads_in_flight = 4;     // io_uring read-ahead depth
  std::uint32_t read_bytes = 1u << 20;   // size of one read
};

class CaptureReader {
 public:
  // One capture = FILE plus its numbered segments, or several files given in order.
  // Throws InputError ("FILE: offset N: <problem>") when a file named in `files`
  // is missing, empty, not a capture (wrong magic), of an unsupported version, or
  // its header is truncated or fails its checksum, or its symbol table is invalid.
  // A numbered segment found by follow_segments with such a problem is skipped and
  // recorded in damage() instead (a recorder killed as it started a segment).
  static CaptureReader open(const std::vector<std::filesystem::path>& files, const CaptureReadOptions& options = {});

  CaptureReader(CaptureReader&&) noexcept;
  CaptureReader& operator=(CaptureReader&&) noexcept;
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;
  ~CaptureReader();

  // The next whole frame of a checksum-verified block, nullptr at the end of the
  // last segment. Valid until the next call. Throws std::runtime_error only on an
  // I/O error of the system (EIO), never for bad contents.
  const FrameHeader* next();

  // Positions the reader so that next() returns the first frame, in capture order,
  // whose sequence is >= `sequence` (or whose event_time_ns is >= `time_ns`), using
  // the segments' index blocks (or their block headers when a segment has no
  // trailer) instead of reading every frame. False when no such frame exists (then
  // next() returns nullptr). Sequences restart at 1 with every writer generation;
  // the first match in capture order wins.
  bool seek_sequence(std::uint64_t sequence);
  bool seek_time(std::int64_t time_ns);
  // Back to the first frame of the first segment (for replay --loop). Damage found
  // again is not recorded twice.
  void rewind();

  // Of the segment the last frame came from (before the first next(): the first segment).
  const SymbolTable& symbols() const;
  const CaptureSegmentInfo& segment() const;
  std::size_t segment_index() const noexcept;  // into segments(); changes when next() crosses a file
  const std::vector<CaptureSegmentInfo>& segments() const noexcept;

  const std::vector<CaptureDamage>& damage() const noexcept;  // everything skipped so far
  std::uint64_t bytes_skipped() const noexcept;               // sum over damage()
  std::uint64_t frames_read() const noexcept;                 // frames next() returned
  std::uint64_t blocks_read() const noexcept;                 // data blocks verified and read

 private:
  struct State;
  explicit CaptureReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ringside::tools
