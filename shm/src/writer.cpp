#include "ringside/shm/writer.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstring>
#include <thread>
#include <utility>

#include "frame_copy.hpp"
#include "pause.hpp"
#include "tsan.hpp"

namespace ringside::shm {
static_assert(offsetof(FrameHeader, sequence) == kSequenceOffset);
namespace {

constexpr std::uint64_t round_up(std::uint64_t n, std::uint64_t step) noexcept { return (n + step - 1) / step * step; }

// Stores the commit mark of the record at `at`: its sequence field, last and with
// release, so a reader that acquires the value it expects (RingReader::glance)
// sees every byte written before it.
void store_mark(std::byte* at, std::uint64_t sequence) noexcept {
  tsan_release(at + kSequenceOffset);
  std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(at + kSequenceOffset))
      .store(sequence, std::memory_order_release);
}

}  // namespace

RingWriter RingWriter::create(std::string_view name, const CreateOptions& options) {
  return RingWriter(create_ring(name, options));
}

RingWriter::RingWriter(RingMap map) : map_(std::move(map)) {
  header_ = map_.header;
  data_ = map_.data;
  geometry_ = RingGeometry::of(*header_);
  limit_ = geometry_.capacity;  // the first lap overwrites nothing
  header_->next_sequence.store(next_sequence_, std::memory_order_relaxed);
}

RingWriter& RingWriter::operator=(RingWriter&& other) noexcept {
  if (this != &other) {
    this->~RingWriter();
    new (this) RingWriter(std::move(other));
  }
  return *this;
}

RingWriter::~RingWriter() {
  // A moved-from writer has no mapping (Mapping's move empties it) and closes nothing.
  if (map_.header_region.data() != nullptr && !closed_) {
    // Release: a reader that sees Closed has seen every commit before it.
    header_->writer_state.store(static_cast<std::uint32_t>(WriterState::Closed), std::memory_order_release);
  }
}

void* RingWriter::claim(std::uint32_t length) noexcept {
  if (length < sizeof(FrameHeader) || length > geometry_.max_frame || length % kFrameAlignment != 0) return nullptr;
  std::uint64_t position = claim_position_;
  const std::uint64_t offset = position & geometry_.mask;
  const std::uint64_t padding = geometry_.padding_before(position, length);
  const std::uint64_t end = position + padding + length;
  // Where the next frame will start, a reader will poll its sequence field once it
  // has this frame (RingGeometry::glanceable): that field is zeroed below, so an
  // older lap's bytes there never pass for the next frame's sequence. Those bytes
  // may be a lossless reader's still: the horizon must cover them first.
  const bool next_glanceable = geometry_.glanceable(end);
  const std::uint64_t reach = next_glanceable ? end + kSequenceEnd : end;
  if (reach > limit_) make_room(reach);
  if (padding != 0) {
    // Plain stores: published to readers by the release store of write_position in commit().
    PaddingRecord pad{static_cast<std::uint32_t>(padding), kPaddingType, {}};
    std::memcpy(data_ + offset, &pad, sizeof pad);
    position += padding;
  }
  // Record the first frame that starts in each chunk, for readers starting at the oldest frame.
  if ((position >> geometry_.chunk_shift) != (last_frame_ >> geometry_.chunk_shift) || position == 0) {
    // Relaxed: readers validate whatever they find there against head_position.
    const std::uint64_t chunk = (position & geometry_.mask) >> geometry_.chunk_shift;
    header_->chunk_start[chunk].store(position, std::memory_order_relaxed);
  }
  last_frame_ = position;
  claim_position_ = end;
  if (pending_ < kPendingFrames) pending_lengths_[pending_] = length;
  ++pending_;
  // Zero: this frame's sequence field (a caller that copies or fills the frame
  // leaves it alone, so stale bytes would stay), and the next frame's, which a
  // reader that has this frame polls. Plain stores: published by this frame's
  // release in commit(), before any reader can look at either field.
  std::byte* frame = data_ + (position & geometry_.mask);
  std::memset(frame + kSequenceOffset, 0, sizeof(std::uint64_t));
  if (next_glanceable) std::memset(data_ + (end & geometry_.mask) + kSequenceOffset, 0, sizeof(std::uint64_t));
  return frame;
}

bool RingWriter::can_claim_now(std::uint32_t length) const noexcept {
  const std::uint64_t end = claim_position_ + geometry_.padding_before(claim_position_, length) + length;
  // As far as claim() reaches: the next frame's sequence field, which it zeroes.
  const std::uint64_t reach = geometry_.glanceable(end) ? end + kSequenceEnd : end;
  if (reach <= limit_) return true;
  const std::uint64_t chunk = geometry_.capacity / kChunks;
  const std::uint64_t horizon = round_up(reach - geometry_.capacity, chunk);
  for (std::uint32_t i = 0; i < header_->reader_slots; ++i) {
    const ReaderSlot& slot = map_.slots[i];
    // Acquire, as in wait_for_lossless_readers: a hint that only decides whether to claim now.
    if (slot.state.load(std::memory_order_acquire) != static_cast<std::uint32_t>(SlotState::Active) ||
        slot.kind != ReaderKind::Lossless) {
      continue;
    }
    if (slot.position.load(std::memory_order_acquire) < horizon) return false;
  }
  return true;
}

void RingWriter::commit_frames(bool stamp, std::int64_t publish_time_ns) noexcept {
  std::uint64_t p = commit_position_;
  const std::size_t known = std::min(pending_, kPendingFrames);
  for (std::size_t i = 0; i < known; ++i) {
    const std::uint32_t length = pending_lengths_[i];
    p += geometry_.padding_before(p, length);  // where claim() put it
    auto* frame = reinterpret_cast<FrameHeader*>(data_ + (p & geometry_.mask));
    frame->length = length;  // a fill that wrote another length must not misframe the ring
    if (stamp) frame->publish_time_ns = publish_time_ns;
    store_mark(reinterpret_cast<std::byte*>(frame), next_sequence_++);  // the frame's last store
    p += length;
  }
  if (pending_ > kPendingFrames) p = commit_read_back(p, stamp, publish_time_ns);
  pending_ = 0;
  if (p == commit_position_) return;
  commit_position_ = p;
  // Relaxed: tools read these as hints; frames carry their own sequence.
  header_->next_sequence.store(next_sequence_, std::memory_order_relaxed);
  header_->last_frame_position.store(last_frame_, std::memory_order_relaxed);
  // Release: a reader that acquires this position sees every byte of every frame below it.
  header_->write_position.store(p, std::memory_order_release);
}

// The frames of a batch past the first kPendingFrames: their lengths are read
// back from the ring and checked; from the first wrong one on, the rest of the
// batch is published as padding, which readers skip instead of misreading.
// Returns the end of the batch (claim_position_).
std::uint64_t RingWriter::commit_read_back(std::uint64_t p, bool stamp, std::int64_t publish_time_ns) noexcept {
  while (p < claim_position_) {
    auto* frame = reinterpret_cast<FrameHeader*>(data_ + (p & geometry_.mask));
    const std::uint64_t length = frame->length;
    const bool padding = static_cast<std::uint8_t>(frame->type) == kPaddingType;
    if (length < (padding ? sizeof(PaddingRecord) : sizeof(FrameHeader)) || length % kFrameAlignment != 0 ||
        p + length > claim_position_) {
      while (p < claim_position_) {
        const std::uint64_t segment = std::min(geometry_.capacity - (p & geometry_.mask), claim_position_ - p);
        std::byte* at = data_ + (p & geometry_.mask);
        const PaddingRecord pad{static_cast<std::uint32_t>(segment), kPaddingType, {}};
        std::memcpy(at, &pad, sizeof pad);
        if (geometry_.glanceable(p) && segment >= kSequenceEnd) {
          // A reader polling here expects the next sequence: this mark lets it
          // take the padding at a glance too (it carries no sequence of its own).
          store_mark(at, next_sequence_);
        }
        p += segment;
      }
      break;
    }
    if (!padding) {
      if (stamp) frame->publish_time_ns = publish_time_ns;
      store_mark(reinterpret_cast<std::byte*>(frame), next_sequence_++);
    }
    p += length;
  }
  return p;
}

void* RingWriter::claim_copy(const FrameHeader& frame) noexcept {
  void* slot = claim(frame.length);
  if (slot == nullptr) return nullptr;
  // Everything but the sequence field: that is the ring's, and until commit() it
  // must not hold a sequence a reader expects (a copy of a recorded frame would).
  auto* to = static_cast<std::byte*>(slot);
  const auto* from = reinterpret_cast<const std::byte*>(&frame);
  std::memcpy(to, from, kSequenceOffset);
  copy_frame_bytes(to + kSequenceEnd, from + kSequenceEnd, frame.length - kSequenceEnd);
  return slot;
}

bool RingWriter::publish(const FrameHeader& frame) noexcept {
  if (claim_copy(frame) == nullptr) return false;
  commit();
  return true;
}

void RingWriter::heartbeat() noexcept {
  // Relaxed: a liveness hint with no data riding on it.
  header_->heartbeat_ns.store(monotonic_ns(), std::memory_order_relaxed);
}

// Raises the overwrite horizon so that a claim ending at `end` fits. Runs once
// per chunk (capacity / 64 bytes) of progress, not per frame.
void RingWriter::make_room(std::uint64_t end) noexcept {
  const std::uint64_t chunk = geometry_.capacity / kChunks;
  const std::uint64_t horizon = round_up(end - geometry_.capacity, chunk);
  // Seq_cst: this store and a registering reader's store of its slot state form
  // a Dekker pair (see Reader::register_slot): either the reader sees the new
  // horizon and starts above it, or wait_for_lossless_readers sees the reader.
  header_->head_position.store(horizon, std::memory_order_seq_cst);
  // Release fence: the overwrites that follow must not become visible before the
  // horizon does, so a lossy reader that copied overwritten bytes sees the horizon
  // when it re-checks (the seqlock writer's order).
  std::atomic_thread_fence(std::memory_order_release);
  wait_for_lossless_readers(horizon);
  limit_ = horizon + geometry_.capacity;
}

void RingWriter::wait_for_lossless_readers(std::uint64_t horizon) noexcept {
  const std::uint32_t slots = header_->reader_slots;
  std::int64_t stall_start = 0;
  std::int64_t last_check = 0;
  std::uint64_t blockers = 0;  // bit i: slot i held the writer back
  for (;;) {
    bool blocked = false;
    for (std::uint32_t i = 0; i < slots; ++i) {
      ReaderSlot& slot = map_.slots[i];
      // Seq_cst: the other half of the Dekker pair with reader registration.
      if (slot.state.load(std::memory_order_seq_cst) != static_cast<std::uint32_t>(SlotState::Active) ||
          slot.kind != ReaderKind::Lossless) {
        continue;
      }
      // Seq_cst (not just acquire, which pairs with the reader's release store of
      // progress): part of the Dekker pair with a registering reader's position.
      if (slot.position.load(std::memory_order_seq_cst) < horizon) {
        blocked = true;
        blockers |= std::uint64_t{1} << i;
      }
    }
    if (!blocked) break;

    // Backpressure: wait, count it, and evict readers that died or went silent.
    const std::int64_t now = monotonic_ns();
    if (stall_start == 0) stall_start = now;
    if (now - last_check >= 1'000'000) {  // at most every millisecond: kill(2) is a system call
      last_check = now;
      for (std::uint32_t i = 0; i < slots; ++i) {
        ReaderSlot& slot = map_.slots[i];
        if (slot.state.load(std::memory_order_acquire) != static_cast<std::uint32_t>(SlotState::Active) ||
            slot.kind != ReaderKind::Lossless || slot.position.load(std::memory_order_acquire) >= horizon) {
          continue;
        }
        const bool silent = now - slot.heartbeat_ns.load(std::memory_order_relaxed) > header_->reader_timeout_ns;
        if (silent || !process_alive(slot.pid)) {
          // Charge it the stall so far now, not when the stall ends (other readers
          // may hold the writer longer): whoever sees the slot Evicted sees what it
          // cost. Relaxed: published by the CAS below, which releases.
          if ((blockers >> i) & 1) {
            slot.stall_caused_ns.fetch_add(now - stall_start, std::memory_order_relaxed);
            blockers &= ~(std::uint64_t{1} << i);
          }
          auto expected = static_cast<std::uint32_t>(SlotState::Active);
          slot.evicted_at_position.store(slot.position.load(std::memory_order_relaxed), std::memory_order_relaxed);
          // Release: the reader that acquires Evicted sees evicted_at_position.
          if (slot.state.compare_exchange_strong(expected, static_cast<std::uint32_t>(SlotState::Evicted),
                                                 std::memory_order_acq_rel)) {
            header_->evictions.fetch_add(1, std::memory_order_relaxed);
          }
          // Release fence: the overwrites that follow must not become visible before
          // Evicted does, so a reader that re-checks its state after using a frame
          // in place knows whether it could have been overwritten.
          std::atomic_thread_fence(std::memory_order_release);
        }
      }
    }
    // Spin briefly, then yield: a long stall should not starve the very reader
    // it waits for when processes outnumber cores.
    if (stall_start != 0 && now - stall_start > 1'000'000) {
      std::this_thread::yield();
    } else {
      cpu_relax();
    }
  }
  if (stall_start != 0) {
    const std::int64_t stalled = monotonic_ns() - stall_start;
    // Relaxed: statistics for tools; only this writer writes them.
    header_->stall_ns.fetch_add(static_cast<std::uint64_t>(stalled), std::memory_order_relaxed);
    header_->stall_count.fetch_add(1, std::memory_order_relaxed);
    for (std::uint32_t i = 0; i < slots; ++i) {
      if ((blockers >> i) & 1) map_.slots[i].stall_caused_ns.fetch_add(stalled, std::memory_order_relaxed);
    }
  }
}

}  // namespace ringside::shm
