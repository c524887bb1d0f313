// The io_uring the capture writer and reader share the shape of: reads, writes
// and fsyncs at explicit offsets, queued and submitted in one system call,
// completions matched by a tag the caller chooses.
//
// Why io_uring: the recorder must never wait on the disk while the ring fills,
// and replay must not wait on it between frames. With several blocks in flight
// the kernel writes (or reads ahead) while this thread keeps copying frames.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace ringside::tools {

struct UringCompletion {
  std::uint64_t tag = 0;
  int result = 0;  // bytes transferred, or -errno
};

class Uring {
 public:
  // Throws std::runtime_error (naming `purpose`) when the kernel refuses io_uring.
  Uring(unsigned entries, const std::string& purpose);
  Uring(Uring&&) noexcept;
  Uring& operator=(Uring&&) noexcept;
  Uring(const Uring&) = delete;
  Uring& operator=(const Uring&) = delete;
  ~Uring();

  // Queue one operation; submit() hands the queue to the kernel. A full queue is
  // submitted on the way, so queuing never fails. The buffer must stay valid
  // until the operation's completion is reaped.
  void write(int fd, const void* buffer, std::uint32_t bytes, std::uint64_t offset, std::uint64_t tag);
  void read(int fd, void* buffer, std::uint32_t bytes, std::uint64_t offset, std::uint64_t tag);
  void fsync(int fd, std::uint64_t tag);
  void submit();

  // A finished operation, if one is there: no system call (the completion queue
  // is shared memory).
  std::optional<UringCompletion> peek();
  // Submits what is queued and waits up to timeout_ms for a completion.
  std::optional<UringCompletion> wait(int timeout_ms);

  unsigned in_flight() const noexcept { return in_flight_; }

 private:
  struct Ring;
  void* next_sqe();
  std::unique_ptr<Ring> ring_;
  unsigned in_flight_ = 0;  // queued or submitted, not yet reaped
};

}  // namespace ringside::tools
