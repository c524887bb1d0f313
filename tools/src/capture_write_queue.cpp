#include "ringside/tools/capture_write_queue.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "ringside/shm/ring_file.hpp"
#include "ringside/tools/capture_format.hpp"

namespace ringside::tools {
namespace {

// Completion tags: a buffer index, or a file index with this bit for its fsync.
constexpr std::uint64_t kFsyncTag = std::uint64_t{1} << 63;
constexpr int kWaitSliceMs = 100;

void free_memory(std::byte* p) { std::free(p); }

std::byte* allocate(std::size_t bytes) {
  auto* p = static_cast<std::byte*>(std::aligned_alloc(capture::kBlockAlignment, bytes));
  if (p == nullptr) throw std::runtime_error("record: cannot allocate " + std::to_string(bytes) + " bytes of block buffers");
  // Touched now, so the first blocks do not page-fault while the ring waits.
  std::memset(p, 0, bytes);
  return p;
}

}  // namespace

struct CaptureWriteQueue::Pending {
  std::uint32_t file = 0;
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  std::uint32_t done = 0;
};

struct CaptureWriteQueue::File {
  int fd = -1;
  std::filesystem::path path;
  std::uint32_t writes_in_flight = 0;
  bool finished = false;  // no more writes will come
  bool syncing = false;
};

CaptureWriteQueue::CaptureWriteQueue(std::uint32_t buffers, std::uint32_t buffer_bytes,
                                     std::function<void()> while_waiting)
    : uring_(2 * buffers + 8, "record"),
      buffer_bytes_(buffer_bytes),
      memory_(allocate(std::size_t{buffers} * buffer_bytes), free_memory),
      pending_(buffers),
      while_waiting_(std::move(while_waiting)) {
  for (std::uint32_t i = buffers; i > 0; --i) free_.push_back(i - 1);
  files_.reserve(64);
}

CaptureWriteQueue::CaptureWriteQueue(CaptureWriteQueue&&) noexcept = default;
CaptureWriteQueue& CaptureWriteQueue::operator=(CaptureWriteQueue&&) noexcept = default;

CaptureWriteQueue::~CaptureWriteQueue() {
  // The kernel may still read from the buffers (after an error, drain() did not
  // finish): wait for it before they are freed, a bounded time.
  for (int slices = 0; uring_.in_flight() > 0 && slices < 100; ++slices) {
    try {
      (void)uring_.wait(kWaitSliceMs);
    } catch (...) {  // a failed wait: nothing more to learn
      break;
    }
  }
  // Files not closed by drain() (an error on the way) are closed here.
  for (File& f : files_) {
    if (f.fd >= 0) ::close(f.fd);
  }
}

std::uint32_t CaptureWriteQueue::add_file(int fd, const std::filesystem::path& path) {
  // Indices stay valid: closed files keep their entry (a few per rotation, never per frame).
  files_.push_back({fd, path, 0, false, false});
  ++open_files_;
  return static_cast<std::uint32_t>(files_.size() - 1);
}

void CaptureWriteQueue::finish_file(std::uint32_t file) {
  files_[file].finished = true;
  maybe_sync(file);
}

std::byte* CaptureWriteQueue::acquire() {
  if (free_.empty()) {
    const std::int64_t started = shm::monotonic_ns();
    ++waits_;
    while (free_.empty()) wait_once();
    wait_ns_ += shm::monotonic_ns() - started;
  }
  const std::uint32_t i = free_.back();
  free_.pop_back();
  return memory_.get() + std::size_t{i} * buffer_bytes_;
}

void CaptureWriteQueue::release(std::byte* buffer) {
  free_.push_back(static_cast<std::uint32_t>((buffer - memory_.get()) / buffer_bytes_));
}

void CaptureWriteQueue::write(std::byte* buffer, std::uint32_t length, std::uint32_t file, std::uint64_t offset) {
  const auto i = static_cast<std::uint32_t>((buffer - memory_.get()) / buffer_bytes_);
  pending_[i] = {file, offset, length, 0};
  ++files_[file].writes_in_flight;
  uring_.write(files_[file].fd, buffer, length, offset, i);
  uring_.submit();
}

void CaptureWriteQueue::poll() {
  uring_.submit();
  while (auto c = uring_.peek()) complete(*c);
}

void CaptureWriteQueue::wait_once() {
  if (auto c = uring_.wait(kWaitSliceMs)) {
    complete(*c);
    while (auto more = uring_.peek()) complete(*more);
  } else if (while_waiting_) {
    while_waiting_();
  }
}

void CaptureWriteQueue::drain() {
  uring_.submit();
  while (open_files_ > 0 || uring_.in_flight() > 0) wait_once();
}

void CaptureWriteQueue::maybe_sync(std::uint32_t file) {
  File& f = files_[file];
  if (!f.finished || f.syncing || f.writes_in_flight > 0 || f.fd < 0) return;
  f.syncing = true;
  uring_.fsync(f.fd, kFsyncTag | file);
  uring_.submit();
}

void CaptureWriteQueue::complete(const UringCompletion& c) {
  if ((c.tag & kFsyncTag) != 0) {
    File& f = files_[c.tag & ~kFsyncTag];
    const int closed = ::close(f.fd);
    f.fd = -1;
    --open_files_;
    if (c.result < 0) throw std::runtime_error(f.path.string() + ": fsync: " + std::strerror(-c.result));
    if (closed != 0) throw std::runtime_error(f.path.string() + ": close: " + std::strerror(errno));
    return;
  }
  const auto i = static_cast<std::uint32_t>(c.tag);
  Pending& p = pending_[i];
  File& f = files_[p.file];
  if (c.result <= 0) {
    throw std::runtime_error(f.path.string() + ": write of " + std::to_string(p.length - p.done) + " bytes at offset " +
                             std::to_string(p.offset + p.done) + " failed: " +
                             (c.result == 0 ? std::string("nothing written") : std::string(std::strerror(-c.result))));
  }
  p.done += static_cast<std::uint32_t>(c.result);
  if (p.done < p.length) {
    // A short write (a signal, a quota on the way): the rest goes again.
    std::byte* buffer = memory_.get() + std::size_t{i} * buffer_bytes_;
    uring_.write(f.fd, buffer + p.done, p.length - p.done, p.offset + p.done, i);
    uring_.submit();
    return;
  }
  free_.push_back(i);
  --f.writes_in_flight;
  maybe_sync(p.file);
}

}  // namespace ringside::tools
