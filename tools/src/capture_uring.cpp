#include "ringside/tools/capture_uring.hpp"

#include <liburing.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ringside::tools {

struct Uring::Ring {
  io_uring ring{};
};

Uring::Uring(unsigned entries, const std::string& purpose) : ring_(std::make_unique<Ring>()) {
  const int error = io_uring_queue_init(entries, &ring_->ring, 0);
  if (error < 0) {
    ring_.reset();
    throw std::runtime_error(purpose + ": io_uring is not available: " + std::strerror(-error) +
                             " (kernel 5.6 or later, not disabled by seccomp or kernel.io_uring_disabled)");
  }
}

Uring::Uring(Uring&& other) noexcept : ring_(std::move(other.ring_)), in_flight_(other.in_flight_) {
  other.in_flight_ = 0;
}

Uring& Uring::operator=(Uring&& other) noexcept {
  if (this != &other) {
    this->~Uring();
    new (this) Uring(std::move(other));
  }
  return *this;
}

Uring::~Uring() {
  if (ring_ == nullptr) return;
  // Buffers of operations still in flight belong to the caller and may be freed
  // right after: wait for the kernel to be done with them first.
  try {
    while (in_flight_ > 0 && wait(1000)) {
    }
  } catch (...) {  // a failed wait: nothing more to learn
  }
  io_uring_queue_exit(&ring_->ring);
}

void* Uring::next_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_->ring);
  if (sqe == nullptr) {
    submit();
    sqe = io_uring_get_sqe(&ring_->ring);
  }
  if (sqe == nullptr) throw std::runtime_error("io_uring: submission queue full after submitting");
  ++in_flight_;
  return sqe;
}

void Uring::write(int fd, const void* buffer, std::uint32_t bytes, std::uint64_t offset, std::uint64_t tag) {
  auto* sqe = static_cast<io_uring_sqe*>(next_sqe());
  io_uring_prep_write(sqe, fd, buffer, bytes, offset);
  io_uring_sqe_set_data64(sqe, tag);
}

void Uring::read(int fd, void* buffer, std::uint32_t bytes, std::uint64_t offset, std::uint64_t tag) {
  auto* sqe = static_cast<io_uring_sqe*>(next_sqe());
  io_uring_prep_read(sqe, fd, buffer, bytes, offset);
  io_uring_sqe_set_data64(sqe, tag);
}

void Uring::fsync(int fd, std::uint64_t tag) {
  auto* sqe = static_cast<io_uring_sqe*>(next_sqe());
  io_uring_prep_fsync(sqe, fd, 0);
  io_uring_sqe_set_data64(sqe, tag);
}

void Uring::submit() {
  for (;;) {
    const int n = io_uring_submit(&ring_->ring);
    if (n >= 0) return;
    if (n == -EINTR || n == -EAGAIN || n == -EBUSY) {
      // EBUSY/EAGAIN: the completion queue is full; the caller reaps, then we retry.
      if (n != -EINTR) return;
      continue;
    }
    throw std::runtime_error(std::string("io_uring_submit: ") + std::strerror(-n));
  }
}

std::optional<UringCompletion> Uring::peek() {
  io_uring_cqe* cqe = nullptr;
  if (io_uring_peek_cqe(&ring_->ring, &cqe) != 0 || cqe == nullptr) return std::nullopt;
  const UringCompletion c{io_uring_cqe_get_data64(cqe), cqe->res};
  io_uring_cqe_seen(&ring_->ring, cqe);
  --in_flight_;
  return c;
}

std::optional<UringCompletion> Uring::wait(int timeout_ms) {
  if (auto c = peek()) return c;
  if (in_flight_ == 0) return std::nullopt;
  submit();
  __kernel_timespec ts{timeout_ms / 1000, static_cast<long long>(timeout_ms % 1000) * 1'000'000};
  io_uring_cqe* cqe = nullptr;
  const int error = io_uring_wait_cqe_timeout(&ring_->ring, &cqe, &ts);
  if (error == -ETIME || error == -EINTR) return std::nullopt;
  if (error < 0) throw std::runtime_error(std::string("io_uring_wait_cqe: ") + std::strerror(-error));
  const UringCompletion c{io_uring_cqe_get_data64(cqe), cqe->res};
  io_uring_cqe_seen(&ring_->ring, cqe);
  --in_flight_;
  return c;
}

}  // namespace ringside::tools
