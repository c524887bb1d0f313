#include "ringside/engine/event_sink.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "ringside/shm/ring_file.hpp"
#include "ringside/shm/writer.hpp"

namespace ringside::engine {

void CountingSink::count_pending() noexcept {
  if (!pending_) return;
  pending_ = false;
  const FrameHeader& h = scratch_.header();
  ++frames_;
  ++by_type_[static_cast<std::uint8_t>(h.type)];
  if (h.type == EventType::TradeExecuted) traded_volume_ += scratch_.as<TradeExecuted>().quantity;
}

void* CountingSink::claim(std::uint32_t) noexcept {
  count_pending();
  pending_ = true;
  return scratch_.bytes;
}

void CountingSink::commit() noexcept {
  count_pending();
  ++commits_;
}

void* BufferSink::claim(std::uint32_t length) noexcept {
  // Only tests and batch runs use this sink: growing is fine here. A claimed
  // frame is always filled before the next claim, so moving it is safe.
  if (claimed_ + length > bytes_.size()) bytes_.resize(std::max<std::size_t>(bytes_.size() * 2, claimed_ + length + 4096));
  void* at = bytes_.data() + claimed_;
  claimed_ += length;
  return at;
}

void BufferSink::commit() noexcept {
  for (std::size_t off = committed_; off < claimed_;) {
    auto& h = *reinterpret_cast<FrameHeader*>(bytes_.data() + off);
    h.sequence = next_sequence_++;
    h.publish_time_ns = 0;
    off += h.length;
  }
  committed_ = claimed_;
}

void BufferSink::clear() noexcept {
  // Uncommitted frames stay: move them to the front.
  const std::size_t pending = claimed_ - committed_;
  if (pending > 0) std::memmove(bytes_.data(), bytes_.data() + committed_, pending);
  claimed_ = pending;
  committed_ = 0;
}

void* RingSink::claim(std::uint32_t length) noexcept { return writer_.claim(length); }

void RingSink::commit() noexcept { writer_.commit(shm::realtime_ns()); }

FileSink::FileSink(const std::filesystem::path& file) : path_(file) {
  file_ = std::fopen(file.c_str(), "wb");
  if (file_ == nullptr) throw std::runtime_error(file.string() + ": cannot create: " + std::strerror(errno));
}

FileSink::~FileSink() {
  try {
    flush();
  } catch (...) {
  }
  if (file_ != nullptr) std::fclose(file_);
}

void FileSink::commit() noexcept {
  buffer_.commit();
  if (buffer_.committed().size() >= (1u << 20)) {
    try {
      flush();
    } catch (...) {
      // flush() will fail again at the caller's explicit flush and report it there.
    }
  }
}

void FileSink::flush() {
  const auto bytes = buffer_.committed();
  if (!bytes.empty()) {
    if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
      throw std::runtime_error(path_.string() + ": write failed: " + std::strerror(errno));
    }
    buffer_.clear();
  }
  if (std::fflush(file_) != 0) throw std::runtime_error(path_.string() + ": write failed: " + std::strerror(errno));
}

}  // namespace ringside::engine
