// Blocks on their way to the disk, for the capture writer: a fixed pool of
// aligned block buffers (allocated and touched once), written with io_uring at
// explicit offsets with several in flight, short writes sent again, and each
// file synced and closed once its last write has landed, without waiting for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "ringside/tools/capture_uring.hpp"

namespace ringside::tools {

class CaptureWriteQueue {
 public:
  // while_waiting: called about every 100 ms while acquire() or drain() waits.
  CaptureWriteQueue(std::uint32_t buffers, std::uint32_t buffer_bytes, std::function<void()> while_waiting);
  CaptureWriteQueue(CaptureWriteQueue&&) noexcept;
  CaptureWriteQueue& operator=(CaptureWriteQueue&&) noexcept;
  ~CaptureWriteQueue();

  // A file to write to, from an open descriptor the queue now owns.
  std::uint32_t add_file(int fd, const std::filesystem::path& path);
  // No more writes to it: it is fsynced and closed once its writes have landed.
  void finish_file(std::uint32_t file);

  // A free buffer of buffer_bytes. Waits (counted in waits()/wait_ns()) while
  // every buffer is being written: the only time the capture writer waits.
  std::byte* acquire();
  void release(std::byte* buffer);  // back to the pool unwritten
  // Writes `length` bytes of an acquired buffer at `offset`; the buffer returns
  // to the pool when the write has landed.
  void write(std::byte* buffer, std::uint32_t length, std::uint32_t file, std::uint64_t offset);

  // Reaps finished operations without waiting. Throws std::runtime_error naming
  // the file on a failed write, fsync or close.
  void poll();
  // Waits until every write has landed and every finished file is closed.
  void drain();

  std::uint64_t waits() const noexcept { return waits_; }
  std::int64_t wait_ns() const noexcept { return wait_ns_; }

 private:
  struct Pending;
  struct File;
  void wait_once();
  void complete(const UringCompletion& c);
  void maybe_sync(std::uint32_t file);

  Uring uring_;
  std::uint32_t buffer_bytes_;
  std::unique_ptr<std::byte, void (*)(std::byte*)> memory_;
  std::vector<Pending> pending_;     // per buffer: the write it carries
  std::vector<std::uint32_t> free_;  // buffer indices
  std::vector<File> files_;
  std::uint32_t open_files_ = 0;     // added and not yet closed
  std::function<void()> while_waiting_;
  std::uint64_t waits_ = 0;
  std::int64_t wait_ns_ = 0;
};

}  // namespace ringside::tools
