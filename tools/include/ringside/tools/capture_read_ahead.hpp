// Sequential reading of a capture segment through io_uring: several reads in
// flight ahead of the parser, into one window of memory, so that a block (up to
// the segment's block size) is always contiguous and the parser never waits for
// the disk one read at a time.
//
// The window holds file bytes [base, loaded). When the parser needs bytes past
// its end, the window moves: in-flight reads are finished and the unparsed tail
// (at most one block) is moved to the front. Allocated once; no allocation per
// read or per block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "ringside/tools/capture_uring.hpp"

namespace ringside::tools {

class CaptureReadAhead {
 public:
  CaptureReadAhead(std::uint32_t reads_in_flight, std::uint32_t read_bytes, std::uint64_t max_view_bytes);
  CaptureReadAhead(CaptureReadAhead&&) noexcept;
  CaptureReadAhead& operator=(CaptureReadAhead&&) noexcept;
  ~CaptureReadAhead();

  // Reads `file` (fd, `size` bytes) from `offset` on; what was in flight for the previous one is dropped.
  void start(int fd, const std::filesystem::path& file, std::uint64_t size, std::uint64_t offset);
  // Bytes [offset, offset + n) of the file, contiguous in memory, valid until the
  // next call; nullptr when the file ends before offset + n. Offsets passed must
  // not decrease between start() calls; n <= max_view_bytes. Throws
  // std::runtime_error naming the file on an I/O error.
  const std::byte* view(std::uint64_t offset, std::uint64_t n);
  // Stops reading ahead (before the file descriptor is closed).
  void stop();

 private:
  struct Read {
    std::uint64_t offset = 0;
    std::uint32_t length = 0;
    std::uint32_t done = 0;
    bool complete = false;
  };
  void issue();
  void wait_one();
  void drain();

  Uring uring_;
  std::uint32_t depth_;
  std::uint32_t read_bytes_;
  std::uint64_t window_bytes_;
  std::unique_ptr<std::byte, void (*)(std::byte*)> window_;
  std::unique_ptr<Read[]> reads_;  // a FIFO of depth_ entries; the tag of a read is its index
  std::uint32_t head_ = 0;
  std::uint32_t count_ = 0;
  int fd_ = -1;
  std::filesystem::path file_;
  std::uint64_t size_ = 0;
  std::uint64_t base_ = 0;    // file offset of window_[0]
  std::uint64_t loaded_ = 0;  // [base_, loaded_) is in the window
  std::uint64_t issued_ = 0;  // reads are in flight up to here
};

}  // namespace ringside::tools
