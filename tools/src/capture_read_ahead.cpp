#include "ringside/tools/capture_read_ahead.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "ringside/tools/capture_format.hpp"

namespace ringside::tools {
namespace {

void free_window(std::byte* p) { std::free(p); }

std::byte* allocate_window(std::uint64_t bytes) {
  auto* p = static_cast<std::byte*>(std::aligned_alloc(capture::kBlockAlignment, bytes));
  if (p == nullptr) throw std::runtime_error("capture reader: cannot allocate " + std::to_string(bytes) + " bytes");
  return p;
}

}  // namespace

CaptureReadAhead::CaptureReadAhead(std::uint32_t reads_in_flight, std::uint32_t read_bytes, std::uint64_t max_view_bytes)
    : uring_(std::max(reads_in_flight, 1u) * 2, "capture reader"),
      depth_(std::max(reads_in_flight, 1u)),
      read_bytes_(static_cast<std::uint32_t>(capture::align_block(std::max<std::uint32_t>(read_bytes, 4096)))),
      // Room for a whole view plus a full read-ahead, twice: the window moves once
      // per half, and what it moves is at most one view.
      window_bytes_(capture::align_block(2 * (max_view_bytes + std::uint64_t{depth_} * read_bytes_))),
      window_(allocate_window(window_bytes_), free_window),
      reads_(std::make_unique<Read[]>(depth_)) {}

CaptureReadAhead::CaptureReadAhead(CaptureReadAhead&&) noexcept = default;
CaptureReadAhead& CaptureReadAhead::operator=(CaptureReadAhead&&) noexcept = default;

CaptureReadAhead::~CaptureReadAhead() {
  // The kernel may still write into the window: wait for it before freeing.
  if (window_ != nullptr) {
    try {
      drain();
    } catch (...) {  // an I/O error of a read no one needs any more
    }
  }
}

void CaptureReadAhead::start(int fd, const std::filesystem::path& file, std::uint64_t size, std::uint64_t offset) {
  drain();
  fd_ = fd;
  file_ = file;
  size_ = size;
  base_ = loaded_ = issued_ = offset;
}

void CaptureReadAhead::stop() {
  drain();
  fd_ = -1;
}

const std::byte* CaptureReadAhead::view(std::uint64_t offset, std::uint64_t n) {
  if (offset + n > size_ || n > window_bytes_ / 2) return nullptr;
  if (offset < base_ || offset > issued_) {
    // Backwards (never in sequential use) or past everything asked for: start over there.
    drain();
    base_ = loaded_ = issued_ = offset;
  } else if (offset + n > base_ + window_bytes_) {
    // Move the window: what is loaded from `offset` on goes to the front.
    drain();
    const std::uint64_t keep = loaded_ > offset ? loaded_ - offset : 0;
    std::memmove(window_.get(), window_.get() + (offset - base_), keep);
    base_ = offset;
    loaded_ = issued_ = offset + keep;
  }
  while (loaded_ < offset + n) {
    issue();
    if (count_ == 0) break;  // the file turned out shorter than it was
    wait_one();
  }
  issue();  // keep the reads ahead going while the caller parses
  if (loaded_ < offset + n) return nullptr;
  return window_.get() + (offset - base_);
}

void CaptureReadAhead::issue() {
  bool queued = false;
  while (count_ < depth_ && issued_ < size_ && issued_ < base_ + window_bytes_) {
    const std::uint64_t length = std::min<std::uint64_t>({read_bytes_, size_ - issued_, base_ + window_bytes_ - issued_});
    const std::uint32_t slot = (head_ + count_) % depth_;
    reads_[slot] = {issued_, static_cast<std::uint32_t>(length), 0, false};
    uring_.read(fd_, window_.get() + (issued_ - base_), static_cast<std::uint32_t>(length), issued_, slot);
    issued_ += length;
    ++count_;
    queued = true;
  }
  if (queued) uring_.submit();
}

void CaptureReadAhead::wait_one() {
  std::optional<UringCompletion> c;
  while (!(c = uring_.wait(1000))) {
  }
  Read& r = reads_[c->tag];
  if (c->result < 0) {
    throw std::runtime_error(file_.string() + ": read at offset " + std::to_string(r.offset + r.done) + ": " +
                             std::strerror(-c->result));
  }
  if (c->result == 0) {
    // The file ended early (truncated while being read): what is there is all there is.
    size_ = std::min(size_, r.offset + r.done);
    r.complete = true;
  } else {
    r.done += static_cast<std::uint32_t>(c->result);
    if (r.done < r.length) {
      uring_.read(fd_, window_.get() + (r.offset + r.done - base_), r.length - r.done, r.offset + r.done, c->tag);
      uring_.submit();
    } else {
      r.complete = true;
    }
  }
  // Reads complete in any order; the window is loaded only up to the first gap.
  while (count_ > 0 && reads_[head_].complete) {
    const Read& done = reads_[head_];
    if (done.offset == loaded_) loaded_ = done.offset + done.done;
    head_ = (head_ + 1) % depth_;
    --count_;
  }
}

void CaptureReadAhead::drain() {
  while (count_ > 0) wait_one();
  issued_ = loaded_;
}

}  // namespace ringside::tools
