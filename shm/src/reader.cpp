#include "ringside/shm/reader.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <utility>

#include "speculative_copy.hpp"
#include "tsan.hpp"

namespace ringside::shm {
namespace {

// clock_gettime costs ~30 ns on a VM against ~2 ns for a cursor poll, so the
// clock is read once per kIdlePollsPerClock empty polls and once per
// kHeartbeatEveryFrames frames, never per event.
constexpr std::uint32_t kHeartbeatEveryFrames = 256;
// Resyncs in a row without a frame before a lossy reader gives up on the ring's
// oldest/newest frames and waits at the cursor (only a corrupt ring gets there).
constexpr std::uint32_t kMaxFruitlessResyncs = 1000;
// Retries of a loop that a live writer settles in one or two (a commit or a lap
// slipped in between two loads); past this the header is corrupt, not busy.
constexpr int kMaxSettleAttempts = 1000;
// Empty polls between two looks at the clock and the cursor: about 10 µs of a
// caller spinning on read() (an empty poll costs ~6 ns). The cursor's line is the
// one the writer stores at every commit; a reader that read it more often would
// make the writer take it back from the reader's core more often.
constexpr std::uint32_t kIdlePollsPerClock = 1024;

// A padding record or frame header read speculatively, like speculative_copy.
__attribute__((no_sanitize("thread"))) PaddingRecord speculative_record(const std::byte* at) noexcept {
  PaddingRecord r;
  std::memcpy(&r, at, sizeof r);
  return r;
}

// The sequence field of the frame that starts at `at`, which the writer may be
// filling right now (hidden from TSan like the copies above; a match is
// announced to it with tsan_acquire).
__attribute__((no_sanitize("thread"))) std::uint64_t speculative_sequence(const std::byte* at) noexcept {
  // Acquire pairs with the release store of the sequence in RingWriter::commit:
  // if it holds the expected sequence, the frame's other bytes are complete.
  return __atomic_load_n(reinterpret_cast<const std::uint64_t*>(at + kSequenceOffset), __ATOMIC_ACQUIRE);
}

}  // namespace

std::string_view to_string(ReadStatus s) noexcept {
  switch (s) {
    case ReadStatus::Frame: return "frame";
    case ReadStatus::Empty: return "empty";
    case ReadStatus::Evicted: return "evicted";
    case ReadStatus::WriterClosed: return "writer closed";
    case ReadStatus::WriterDead: return "writer dead";
    case ReadStatus::NewGeneration: return "new generation";
  }
  return "?";
}

RingReader RingReader::attach(std::string_view name, const ReaderOptions& options) {
  const bool wants_slot = options.kind == ReaderKind::Lossless || options.register_lossy;
  return RingReader(open_ring(name, wants_slot, options.wait_for_ring), options);
}

RingReader::RingReader(RingMap map, const ReaderOptions& options)
    : map_(std::move(map)), options_(options), backoff_(options.burst_backoff, map_.header->capacity) {
  if (options_.kind == ReaderKind::Lossless && !map_.slots_writable) {
    throw RingError(map_.path.string() + ": a lossless reader needs write access to the reader table");
  }
  start(options_.start);
}

RingReader& RingReader::operator=(RingReader&& other) noexcept {
  if (this != &other) {
    this->~RingReader();  // frees this reader's slot
    new (this) RingReader(std::move(other));
  }
  return *this;
}

RingReader::~RingReader() { release_slot(); }

void RingReader::start(StartAt where) {
  header_ = map_.header;
  data_ = map_.data;
  geometry_ = RingGeometry::of(*header_);
  behind_frames_ = 0;
  backoff_.reset();
  switch (where) {
    case StartAt::Oldest: position_ = oldest_frame_position(); break;
    case StartAt::Newest: position_ = newest_frame_position(); break;
    case StartAt::Next: position_ = header_->write_position.load(std::memory_order_acquire); break;
  }
  available_ = position_;
  expected_ = sequence_at(position_);
  if (options_.kind == ReaderKind::Lossless || (options_.register_lossy && map_.slots_writable)) register_slot();
}

void RingReader::register_slot() {
  const std::uint32_t slots = header_->reader_slots;
  ReaderSlot* slot = nullptr;
  for (int pass = 0; pass < 2 && slot == nullptr; ++pass) {
    for (std::uint32_t i = 0; i < slots && slot == nullptr; ++i) {
      ReaderSlot& s = map_.slots[i];
      auto state = s.state.load(std::memory_order_acquire);
      // First pass: free slots. Second: slots whose process is gone.
      const bool take = pass == 0 ? state == static_cast<std::uint32_t>(SlotState::Free)
                                  : state != static_cast<std::uint32_t>(SlotState::Free) && !process_alive(s.pid);
      // Acq_rel: the claim must be exclusive and must see the previous owner's writes.
      if (take && s.state.compare_exchange_strong(state, static_cast<std::uint32_t>(SlotState::Claimed),
                                                  std::memory_order_acq_rel)) {
        slot = &s;
      }
    }
  }
  if (slot == nullptr) {
    if (options_.kind == ReaderKind::Lossless) {
      throw RingError(map_.path.string() + ": reader table full (" + std::to_string(slots) + " readers)");
    }
    return;  // a lossy reader reads fine unregistered
  }
  slot->kind = options_.kind;
  slot->pid = static_cast<std::uint32_t>(::getpid());
  slot->attached_ns = realtime_ns();
  std::snprintf(slot->name, sizeof slot->name, "%s", options_.name.c_str());
  slot->heartbeat_ns.store(monotonic_ns(), std::memory_order_relaxed);
  slot->stall_caused_ns.store(0, std::memory_order_relaxed);
  slot->evicted_at_position.store(0, std::memory_order_relaxed);
  slot->next_sequence.store(0, std::memory_order_relaxed);
  slot->position.store(position_, std::memory_order_seq_cst);
  // Seq_cst, with the position store above and the head load below: the Dekker
  // pair with the writer's head store and reader scan (RingWriter::make_room).
  // Either the writer sees this slot and waits for it, or this reader sees the
  // raised horizon and moves above it; never neither.
  slot->state.store(static_cast<std::uint32_t>(SlotState::Active), std::memory_order_seq_cst);
  for (int attempt = 0; position_ < header_->head_position.load(std::memory_order_seq_cst); ++attempt) {
    // A live writer settles this in a retry or two; the bound stops a corrupt header
    // (no intact frame at or above the horizon) from hanging the attach: then the
    // reader starts at the cursor.
    const bool give_up = attempt >= kMaxSettleAttempts;
    position_ = give_up ? header_->write_position.load(std::memory_order_acquire) : oldest_frame_position();
    expected_ = sequence_at(position_);
    slot->position.store(position_, std::memory_order_seq_cst);
    if (give_up) break;
  }
  available_ = position_;
  published_ = position_;
  slot_ = slot;
}

void RingReader::release_slot() noexcept {
  // A moved-from reader has no mapping (Mapping's move empties it): the slot is not its to free.
  if (slot_ == nullptr || map_.reader_table.data() == nullptr) return;
  // Release: the writer stops gating on this slot once it sees Free.
  slot_->state.store(static_cast<std::uint32_t>(SlotState::Free), std::memory_order_release);
  slot_ = nullptr;
}

std::uint64_t RingReader::newest_frame_position() const noexcept {
  // A live writer settles this in a retry or two; the bound stops a corrupt
  // header (last >= end forever) from hanging the reader.
  for (int attempt = 0; attempt < kMaxSettleAttempts; ++attempt) {
    // Acquire pairs with commit's release: last_frame_position of this or a later commit is visible.
    const std::uint64_t end = header_->write_position.load(std::memory_order_acquire);
    const std::uint64_t last = header_->last_frame_position.load(std::memory_order_relaxed);
    if (end == 0) return 0;
    if (last < end) return last;  // otherwise a later commit slipped in between; read again
  }
  return header_->write_position.load(std::memory_order_acquire);
}

std::uint64_t RingReader::oldest_frame_position() const noexcept {
  const std::uint64_t head = header_->head_position.load(std::memory_order_acquire);
  const std::uint64_t end = header_->write_position.load(std::memory_order_acquire);
  if (head == 0) return 0;  // never wrapped: the first frame is at 0
  const std::uint64_t first_chunk = (head >> geometry_.chunk_shift);
  for (std::uint64_t c = 0; c < kChunks; ++c) {
    // Acquire: an entry written by the writer in the same lap as its frame.
    const std::uint64_t start = header_->chunk_start[(first_chunk + c) & (kChunks - 1)].load(std::memory_order_acquire);
    if (start >= head && start < end) return start;  // entries below head are from older laps
  }
  return newest_frame_position();
}

std::uint64_t RingReader::sequence_at(std::uint64_t position) const noexcept {
  // Acquire pairs with commit's release store: the frames below `end` are complete.
  const std::uint64_t end = header_->write_position.load(std::memory_order_acquire);
  if (end == 0) return 1;  // an empty ring's first frame is sequence 1
  if (position >= end) {
    // Nothing there yet: the next frame follows the newest one.
    const std::uint64_t newest = newest_frame_position();
    const std::uint64_t s = newest < end ? sequence_at(newest) : 0;
    return s == 0 ? 0 : s + 1;
  }
  // At most two records: a padding record at the tail, then the frame at the start.
  for (int hop = 0; hop < 2 && position < end; ++hop) {
    const PaddingRecord record = speculative_record(data_ + (position & geometry_.mask));
    FrameHeader frame{};
    const bool is_frame = record.type != kPaddingType && record.length >= sizeof(FrameHeader);
    if (is_frame) speculative_copy(&frame, data_ + (position & geometry_.mask), sizeof frame);
    // Acquire fence, then the horizon: the seqlock check of read(), for the bytes peeked above.
    std::atomic_thread_fence(std::memory_order_acquire);
    if (position < header_->head_position.load(std::memory_order_relaxed)) return 0;  // overwritten meanwhile
    if (is_frame) return frame.sequence;
    if (record.length < sizeof(PaddingRecord)) return 0;
    position += record.length;
  }
  return 0;
}

void RingReader::resync_after_lap() noexcept {
  position_ = options_.resume_after_lap == StartAt::Oldest ? oldest_frame_position() : newest_frame_position();
  if (position_ < header_->head_position.load(std::memory_order_acquire)) position_ = newest_frame_position();
  // With a live writer a resync lands on a readable frame within a few tries, even
  // when the writer laps the ring meanwhile. A corrupt ring file (a newest frame below
  // the horizon, or malformed) would send the reader back here forever: after many
  // fruitless tries it waits for frames after the cursor instead.
  if (++fruitless_resyncs_ >= kMaxFruitlessResyncs) {
    fruitless_resyncs_ = 0;
    position_ = std::max(position_, header_->write_position.load(std::memory_order_acquire));
  }
  available_ = position_;
}

void RingReader::publish_progress() noexcept {
  if (slot_ == nullptr) return;
  // Release: the writer acquires this and may then overwrite everything below it,
  // so every use of those frames must come first.
  slot_->position.store(position_, std::memory_order_release);
  slot_->next_sequence.store(expected_, std::memory_order_relaxed);
  published_ = position_;
}

void RingReader::release(std::uint64_t end_position, std::uint64_t next_sequence) noexcept {
  if (slot_ == nullptr || end_position <= published_ || end_position > position_) return;
  // Release, as in publish_progress: every use of the frames below comes first.
  slot_->position.store(end_position, std::memory_order_release);
  slot_->next_sequence.store(next_sequence, std::memory_order_relaxed);
  published_ = end_position;
}

void RingReader::heartbeat() noexcept {
  since_heartbeat_ = 0;
  if (slot_ != nullptr) slot_->heartbeat_ns.store(monotonic_ns(), std::memory_order_relaxed);
}

ReadResult RingReader::read() noexcept {
  const bool lossless = options_.kind == ReaderKind::Lossless;
  if (slot_ != nullptr) {
    // The frame returned last time is done with now (unless release() decides).
    if (options_.release_on_read && position_ != published_) publish_progress();
    // Acquire pairs with the writer's eviction CAS.
    if (lossless && slot_->state.load(std::memory_order_acquire) == static_cast<std::uint32_t>(SlotState::Evicted)) {
      const std::uint64_t next = header_->next_sequence.load(std::memory_order_relaxed);
      behind_frames_ = expected_ != 0 && next > expected_ ? next - expected_ : 0;
      return {ReadStatus::Evicted, nullptr, 0};
    }
  } else if (lossless) {
    return {ReadStatus::Evicted, nullptr, 0};
  }

  for (;;) {
    if (position_ >= available_) {
      const Glance seen = glance();
      bool caught_up = seen == Glance::NotYet;
      if (seen == Glance::AskTheCursor) {
        // Acquire pairs with commit's release store: the frames below are complete.
        available_ = header_->write_position.load(std::memory_order_acquire);
        caught_up = position_ >= available_;
      }
      if (caught_up) {
        if (!backoff_.should_wait()) return idle();
        backoff_.wait();  // a busy writer gets ahead meanwhile
        continue;
      }
    }
    if (!lossless && position_ < header_->head_position.load(std::memory_order_acquire)) {
      resync_after_lap();
      continue;
    }
    const std::byte* at = data_ + (position_ & geometry_.mask);
    const PaddingRecord record = speculative_record(at);
    const std::uint64_t room = geometry_.capacity - (position_ & geometry_.mask);
    // position_ % kFrameAlignment: a start position taken from a corrupt header may be
    // unaligned, and a lossless reader hands out frames in place.
    const bool sane = position_ % kFrameAlignment == 0 && record.length >= sizeof(PaddingRecord) &&
                      record.length % kFrameAlignment == 0 &&
                      record.length <= room &&
                      (record.type == kPaddingType ||
                       (record.length >= sizeof(FrameHeader) && record.length <= geometry_.max_frame));
    if (!lossless) {
      if (sane && record.type != kPaddingType) speculative_copy(copy_.bytes, at, record.length);
      // Acquire fence, then the horizon: if any byte copied above was overwritten,
      // the writer had raised the horizon past this position first (seqlock reader).
      std::atomic_thread_fence(std::memory_order_acquire);
      if (position_ < header_->head_position.load(std::memory_order_relaxed)) {
        resync_after_lap();
        continue;
      }
    }
    if (!sane) {
      // Intact but malformed: not something this build's writer produces. Skip to
      // the newest frame rather than interpret garbage, and count it as missed.
      // (A malformed newest frame ends up at the cursor: resync_after_lap's guard.)
      resync_after_lap();
      continue;
    }
    position_ += record.length;
    if (record.type == kPaddingType) continue;
    const FrameHeader* frame = lossless ? reinterpret_cast<const FrameHeader*>(at) : &copy_.header();
    std::uint64_t missed = 0;
    if (expected_ != 0 && frame->sequence > expected_) missed = frame->sequence - expected_;
    missed_total_ += missed;
    expected_ = frame->sequence + 1;
    fruitless_resyncs_ = 0;
    if (backoff_.frame_read()) {
      // Relaxed: a rate estimate; nothing is read on the strength of it.
      backoff_.sample(monotonic_ns(), header_->next_sequence.load(std::memory_order_relaxed),
                      header_->write_position.load(std::memory_order_relaxed));
    }
    if (slot_ != nullptr && ++since_heartbeat_ >= kHeartbeatEveryFrames) heartbeat();
    return {ReadStatus::Frame, frame, missed};
  }
}

// Whether the frame at position_ is committed, from its own sequence field where
// the writer keeps that field a reliable mark (RingGeometry::glanceable): one
// cache line to poll, the one the frame is in, instead of the cursor's and then
// the frame's. Elsewhere, or when the field holds a later sequence (lapped), or
// before the reader knows what sequence comes next, the cursor decides.
RingReader::Glance RingReader::glance() const noexcept {
  if (expected_ == 0 || !geometry_.glanceable(position_)) return Glance::AskTheCursor;
  const std::byte* at = data_ + (position_ & geometry_.mask);
  const std::uint64_t sequence = speculative_sequence(at);
  if (sequence == expected_) {
    tsan_acquire(at + kSequenceOffset);
    return Glance::Committed;
  }
  if (sequence > expected_) return Glance::AskTheCursor;  // a later lap's frame: this reader was lapped
  // Below: the zero claim() put there (the frame is not committed yet); unless a
  // lossy reader was lapped and looks at a later lap's bytes, which the horizon
  // tells (a line the writer stores to once per chunk: cheap to poll).
  // Acquire, as read()'s own lap check.
  if (options_.kind == ReaderKind::Lossy && position_ < header_->head_position.load(std::memory_order_acquire)) {
    return Glance::AskTheCursor;
  }
  return Glance::NotYet;
}

ReadResult RingReader::idle() noexcept {
  // liveness_check == 0 asks for a check on every empty read.
  // No spin-wait hint (pause) here: read() is a poll, and a loop of pauses draws
  // pause-loop exits on a KVM guest (shm/README.md, "An empty read() is a poll").
  if (options_.liveness_check.count() != 0 && (++idle_polls_ & (kIdlePollsPerClock - 1)) != 0) {
    return {ReadStatus::Empty, nullptr, 0};
  }
  // Now and then the cursor too, whatever the glance said: a frame the caller
  // wrote with a bad length is published as padding, which carries no sequence.
  // Acquire, as in read().
  available_ = header_->write_position.load(std::memory_order_acquire);
  if (available_ > position_) return {ReadStatus::Empty, nullptr, 0};
  const std::int64_t now = monotonic_ns();
  // Relaxed, as in read().
  if (backoff_.enabled()) {
    backoff_.sample(now, header_->next_sequence.load(std::memory_order_relaxed), available_);
  }
  since_heartbeat_ = 0;
  if (slot_ != nullptr) slot_->heartbeat_ns.store(now, std::memory_order_relaxed);  // relaxed: a liveness hint
  if (now < next_liveness_check_) return {ReadStatus::Empty, nullptr, 0};
  next_liveness_check_ = now + std::chrono::duration_cast<std::chrono::nanoseconds>(options_.liveness_check).count();
  // Acquire: a reader that sees Closed has seen every commit before it. A commit
  // may have landed since read() found nothing, so a terminal status is only
  // reported when the cursor, read again after that load, has nothing more.
  const auto state = static_cast<WriterState>(header_->writer_state.load(std::memory_order_acquire));
  const auto unless_more = [&](ReadStatus status) -> ReadResult {
    // Acquire, as in read(): the frames below the cursor are complete.
    const bool more = header_->write_position.load(std::memory_order_acquire) > position_;
    return {more ? ReadStatus::Empty : status, nullptr, 0};
  };
  struct stat st {};
  const bool named = ::stat(map_.path.c_str(), &st) == 0;
  if (named && (st.st_ino != map_.inode || st.st_dev != map_.device)) return unless_more(ReadStatus::NewGeneration);
  if (state == WriterState::Superseded) {
    // create_ring marks the old generation Superseded before it renames the new file
    // into place: while the name still points at this file, reattach() would map it
    // again, so NewGeneration waits for the rename.
    return named ? ReadResult{ReadStatus::Empty, nullptr, 0} : unless_more(ReadStatus::NewGeneration);
  }
  if (state == WriterState::Closed) return unless_more(ReadStatus::WriterClosed);
  if (!process_alive(header_->writer_pid)) return unless_more(ReadStatus::WriterDead);
  return {ReadStatus::Empty, nullptr, 0};
}

void RingReader::reattach(std::chrono::milliseconds wait) {
  release_slot();
  const bool wants_slot = options_.kind == ReaderKind::Lossless || options_.register_lossy;
  map_ = open_ring(map_.name, wants_slot, wait);
  if (options_.kind == ReaderKind::Lossless && !map_.slots_writable) {
    throw RingError(map_.path.string() + ": a lossless reader needs write access to the reader table");
  }
  next_liveness_check_ = 0;
  missed_total_ = 0;
  start(options_.start);
}

bool RingReader::frame_intact() const noexcept {
  if (options_.kind != ReaderKind::Lossless) return true;
  if (slot_ == nullptr) return false;
  // Acquire fence, then the state: pairs with the writer's release fence after its
  // eviction CAS. If any byte read before this point was overwritten, the writer
  // had stored Evicted first, and this load sees it (the seqlock reader's order).
  std::atomic_thread_fence(std::memory_order_acquire);
  return slot_->state.load(std::memory_order_relaxed) != static_cast<std::uint32_t>(SlotState::Evicted);
}

WriterStatus RingReader::writer_status() const noexcept {
  WriterStatus s;
  s.pid = header_->writer_pid;
  s.alive = process_alive(s.pid);
  s.state = static_cast<WriterState>(header_->writer_state.load(std::memory_order_acquire));
  s.heartbeat_age_ns = elapsed_ns(monotonic_ns(), header_->heartbeat_ns.load(std::memory_order_relaxed));
  s.generation = header_->generation;
  return s;
}

}  // namespace ringside::shm
