#include "ringside/shm/ring_status.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>

#include "speculative_copy.hpp"

namespace ringside::shm {
namespace {

// A reader slot's name field, which its reader wrote: up to the first NUL, printable only.
std::string slot_name(const char (&field)[24]) {
  std::string name;
  for (const char c : field) {
    if (c == '\0') break;
    name.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  }
  return name;
}

bool really_alive(std::uint32_t pid) noexcept { return process_alive(pid) && !process_zombie(pid); }

}  // namespace

std::string_view to_string(WriterCondition c) noexcept {
  switch (c) {
    case WriterCondition::Running: return "running";
    case WriterCondition::Silent: return "silent";
    case WriterCondition::Closed: return "closed";
    case WriterCondition::Dead: return "dead";
    case WriterCondition::Superseded: return "superseded";
  }
  return "?";
}

std::string_view to_string(SlotState s) noexcept {
  switch (s) {
    case SlotState::Free: return "free";
    case SlotState::Claimed: return "claimed";
    case SlotState::Active: return "active";
    case SlotState::Evicted: return "evicted";
  }
  return "?";
}

std::string_view to_string(ReaderKind k) noexcept {
  switch (k) {
    case ReaderKind::Lossy: return "lossy";
    case ReaderKind::Lossless: return "lossless";
  }
  return "?";
}

std::string_view to_string(Backing b) noexcept {
  switch (b) {
    case Backing::SharedMemory: return "shm";
    case Backing::Hugetlbfs: return "hugetlbfs";
  }
  return "?";
}

std::string_view to_string(LagTime t) noexcept {
  switch (t) {
    case LagTime::CaughtUp: return "caught up";
    case LagTime::Known: return "known";
    case LagTime::Overwritten: return "overwritten";
    case LagTime::Unknown: return "unknown";
  }
  return "?";
}

bool process_zombie(std::uint32_t pid) noexcept {
  if (pid == 0) return false;
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%u/stat", pid);
  std::FILE* f = std::fopen(path, "re");
  if (f == nullptr) return false;
  char text[512];
  const std::size_t n = std::fread(text, 1, sizeof text - 1, f);
  std::fclose(f);
  text[n] = '\0';
  // "pid (comm) S ...": the comm may hold ')' itself, so the state follows the last one.
  const char* close = std::strrchr(text, ')');
  return close != nullptr && close[1] == ' ' && (close[2] == 'Z' || close[2] == 'X');
}

std::optional<FrameStamp> intact_frame_at(const RingMap& ring, std::uint64_t position) noexcept {
  const RingHeader& h = *ring.header;
  const std::uint64_t capacity = h.capacity;
  // Acquire pairs with commit's release store: every byte below `end` was written.
  const std::uint64_t end = h.write_position.load(std::memory_order_acquire);
  // At most one padding record comes before a frame (it fills the data region's tail).
  for (int hop = 0; hop < 2; ++hop) {
    if (position >= end) return std::nullopt;
    const std::uint64_t offset = position & (capacity - 1);
    const std::uint64_t room = capacity - offset;
    FrameHeader copy{};
    speculative_copy(&copy, ring.data + offset, std::min<std::uint64_t>(room, sizeof copy));
    // Acquire fence, then the horizon (relaxed, ordered by the fence): if the
    // writer overwrote any byte copied above, it had raised the horizon past
    // `position` first, and this load sees it (the lossy reader's seqlock read).
    std::atomic_thread_fence(std::memory_order_acquire);
    if (position < h.head_position.load(std::memory_order_relaxed)) return std::nullopt;
    const std::uint32_t length = copy.length;
    const bool padding = static_cast<std::uint8_t>(copy.type) == kPaddingType;
    if (length < sizeof(PaddingRecord) || length % kFrameAlignment != 0 || length > room) return std::nullopt;
    if (padding) {
      position += length;
      continue;
    }
    if (length < sizeof(FrameHeader) || length > h.max_frame_length) return std::nullopt;
    return FrameStamp{position, copy.sequence, copy.event_time_ns, copy.publish_time_ns};
  }
  return std::nullopt;
}

RingStatus snapshot_ring(const RingMap& ring) {
  const RingHeader& h = *ring.header;
  RingStatus s;
  s.taken_ns = monotonic_ns();
  s.name = ring.name;
  s.path = ring.path;
  s.file = ring.backing.file.empty() ? ring.path : ring.backing.file;
  s.layout_version = h.layout_version;
  s.frame_alignment = h.frame_alignment;
  s.capacity = h.capacity;
  s.file_size = h.file_size;
  s.max_frame_length = h.max_frame_length;
  s.backing = h.backing;
  s.page_size = h.page_size;
  s.generation = h.generation;
  s.created_ns = h.created_ns;
  s.reader_timeout_ns = h.reader_timeout_ns;
  s.reader_slots = h.reader_slots;
  s.metadata_size = h.metadata_size;
  s.writer_pid = h.writer_pid;

  // Acquire: pairs with the writer's release stores of Closed (after its last
  // commit) and Running (after the header), so the counters below are at least as new.
  const auto state = static_cast<WriterState>(h.writer_state.load(std::memory_order_acquire));
  // Relaxed loads below: each counter is a figure for display, written by the
  // writer with relaxed stores too; none of them guards other data.
  s.heartbeat_age_ns = elapsed_ns(s.taken_ns, h.heartbeat_ns.load(std::memory_order_relaxed));
  s.writer_alive = really_alive(s.writer_pid);
  switch (state) {
    case WriterState::Closed: s.writer = WriterCondition::Closed; break;
    case WriterState::Superseded: s.writer = WriterCondition::Superseded; break;
    case WriterState::Running:
    default:
      s.writer = !s.writer_alive                                                     ? WriterCondition::Dead
                 : h.reader_timeout_ns > 0 && s.heartbeat_age_ns > h.reader_timeout_ns ? WriterCondition::Silent
                                                                                      : WriterCondition::Running;
      break;
  }
  s.next_sequence = h.next_sequence.load(std::memory_order_relaxed);
  s.stall_ns = h.stall_ns.load(std::memory_order_relaxed);
  s.stall_count = h.stall_count.load(std::memory_order_relaxed);
  s.evictions = h.evictions.load(std::memory_order_relaxed);
  s.head_position = h.head_position.load(std::memory_order_acquire);
  // Acquire, as a reader's: last_frame_position of this commit (or a later one) is then visible.
  s.write_position = h.write_position.load(std::memory_order_acquire);
  const std::uint64_t last = h.last_frame_position.load(std::memory_order_relaxed);
  if (s.write_position > 0 && last < s.write_position) s.newest = intact_frame_at(ring, last);
  if (s.newest) s.next_sequence = std::max(s.next_sequence, s.newest->sequence + 1);

  const std::uint32_t slots = std::min(h.reader_slots, kReaderSlots);
  for (std::uint32_t i = 0; i < slots; ++i) {
    const ReaderSlot& slot = ring.slots[i];
    // Acquire pairs with the reader's release/seq_cst store of Active at
    // registration: the slot's kind, pid and name are then complete.
    const auto slot_state = static_cast<SlotState>(slot.state.load(std::memory_order_acquire));
    if (slot_state == SlotState::Free) continue;
    ReaderStatus r;
    r.slot = i;
    r.state = slot_state;
    r.name = slot_name(slot.name);
    r.kind = slot.kind;
    r.pid = slot.pid;
    r.alive = really_alive(r.pid);
    r.attached_ns = slot.attached_ns;
    // Relaxed: progress figures for display; the writer's gating uses its own loads.
    r.heartbeat_age_ns = elapsed_ns(s.taken_ns, slot.heartbeat_ns.load(std::memory_order_relaxed));
    r.position = slot.position.load(std::memory_order_relaxed);
    r.next_sequence = slot.next_sequence.load(std::memory_order_relaxed);
    r.evicted_at_position = slot.evicted_at_position.load(std::memory_order_relaxed);
    r.stall_caused_ns = slot.stall_caused_ns.load(std::memory_order_relaxed);

    r.lag_bytes = s.write_position > r.position ? s.write_position - r.position : 0;
    if (r.position >= s.write_position) {
      r.lag_frames = 0;
      r.lag_time = LagTime::CaughtUp;
    } else {
      const std::optional<FrameStamp> next = intact_frame_at(ring, r.position);
      if (r.next_sequence != 0) {
        r.lag_frames = s.next_sequence > r.next_sequence ? s.next_sequence - r.next_sequence : 0;
      } else if (next) {  // nothing read yet: count from the first frame it will read
        r.lag_frames = s.next_sequence > next->sequence ? s.next_sequence - next->sequence : 0;
      }
      if (next && s.newest && next->publish_time_ns != 0 && s.newest->publish_time_ns != 0) {
        r.lag_time = LagTime::Known;
        r.lag_time_ns = std::max<std::int64_t>(0, elapsed_ns(s.newest->publish_time_ns, next->publish_time_ns));
      } else if (!next && r.position < s.head_position) {
        r.lag_time = LagTime::Overwritten;
      }
    }
    s.readers.push_back(std::move(r));
  }
  return s;
}

}  // namespace ringside::shm
