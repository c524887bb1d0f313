// Writing capture files (format: capture_format.hpp): what `ringside record`
// does with each frame it reads.
//
//   CaptureWriter w({.file = "events.cap"});
//   w.start_segment(ring_info);          // header: ring name, generation, symbol table
//   w.append(frame);                     // copy into the current block; no system call
//   w.seal();                            // write a partly filled block now (flush interval)
//   w.close();                           // index + trailer, fsync, close
//
// Blocks are filled in a fixed pool of buffers allocated up front and written
// with io_uring at explicit offsets, several in flight, so append() only copies
// and the disk works behind it. append() waits only when every buffer is still
// being written (the disk is slower than the ring): counted in stats().
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ringside/core/frame.hpp"

namespace ringside::tools {

// What a segment header says about the ring it was recorded from.
struct CaptureRingInfo {
  std::string ring_name;
  std::uint64_t generation = 0;
  std::uint64_t ring_capacity = 0;
  std::uint32_t max_frame_length = 0;
  std::int64_t ring_created_ns = 0;
  std::vector<std::byte> metadata;  // the ring's symbol-table image, as it is
};

struct CaptureWriterOptions {
  std::filesystem::path file;
  // Rotate into FILE.0001, FILE.0002 ... once a segment would grow past this
  // (0: never). A segment always holds at least one data block, so the real
  // limit is max(max_segment_bytes, header + one block + index + trailer).
  std::uint64_t max_segment_bytes = 0;
  std::uint32_t block_bytes = 1u << 20;  // one block buffer: a multiple of 4 KiB, 8 KiB..16 MiB
  std::uint32_t buffers = 8;             // blocks being filled or written at once
  std::uint32_t index_every = 64;        // data blocks between index blocks
  bool overwrite = false;                // replace FILE and its numbered segments if they exist
  // Called about every 100 ms while append() or close() waits for the disk (a
  // lossless ring reader heartbeats here so the ring writer does not evict it).
  std::function<void()> while_waiting;
};

struct CaptureWriterStats {
  std::uint64_t frames = 0;
  std::uint64_t frame_bytes = 0;   // bytes of frames appended
  std::uint64_t file_bytes = 0;    // bytes written to files, headers and padding included
  std::uint64_t segments = 0;
  std::uint64_t data_blocks = 0;
  std::uint64_t index_blocks = 0;
  std::uint64_t buffer_waits = 0;  // times every buffer was in flight
  std::int64_t buffer_wait_ns = 0;
};

class CaptureWriter {
 public:
  // Checks FILE (exists and not overwrite: InputError), allocates the buffers and
  // the io_uring. Creates no file yet.
  explicit CaptureWriter(CaptureWriterOptions options);
  CaptureWriter(CaptureWriter&&) noexcept;
  CaptureWriter& operator=(CaptureWriter&&) noexcept;
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;
  ~CaptureWriter();  // close() if still open; errors are printed, not thrown

  // Finishes the current segment (if any) and starts the next numbered one with
  // this ring's header: the first segment, a new writer generation.
  void start_segment(const CaptureRingInfo& ring);

  // Copies one frame (frame.length bytes) into the current block. Precondition:
  // a segment was started; frame.length <= the block's payload room (always true
  // for ring frames: kMaxFrameLength is far below 8 KiB).
  void append(const FrameHeader& frame);
  // append() in two steps, for a frame that may change under the copy (read in
  // place from a ring): reserve() returns where to copy `length` bytes in the
  // current block (sealing it first when full); add_reserved() counts the frame
  // copied there. A copy never followed by add_reserved() is not in the capture.
  std::byte* reserve(std::uint32_t length);
  void add_reserved();

  // Seals the current block, if it holds any frame, and queues its write.
  void seal();
  // Reaps finished writes without waiting; throws on a write error.
  void poll();
  // Seal, index, trailer, wait for every write, fsync, close. Idempotent.
  void close();

  bool has_unsealed_frames() const noexcept;
  const CaptureWriterStats& stats() const noexcept;
  std::filesystem::path current_file() const;

  // Bytes of payload room in one block.
  std::uint32_t block_payload_room() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ringside::tools
