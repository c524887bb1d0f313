#include "ringside/tools/capture_recorder.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <optional>
#include <thread>

#include "ringside/shm/reader.hpp"
#include "ringside/tools/capture_signals.hpp"
#include "ringside/tools/input_error.hpp"

namespace ringside::tools {
namespace {

namespace fs = std::filesystem;
using shm::ReadStatus;
using shm::RingReader;

constexpr const char* kReaderName = "record";

CaptureRingInfo ring_info(const RingReader& reader) {
  const shm::RingHeader& h = *reader.ring().header;
  CaptureRingInfo info;
  info.ring_name = reader.ring().name;
  info.generation = h.generation;
  info.ring_capacity = h.capacity;
  info.max_frame_length = h.max_frame_length;
  info.ring_created_ns = h.created_ns;
  const auto meta = reader.metadata();
  info.metadata.assign(meta.begin(), meta.end());
  return info;
}

// This process's slot in the ring's reader table: where the writer counts the stall it caused.
const shm::ReaderSlot* own_slot(const RingReader& reader) {
  const shm::RingMap& m = reader.ring();
  const auto pid = static_cast<std::uint32_t>(::getpid());
  for (std::uint32_t i = 0; i < m.header->reader_slots; ++i) {
    const shm::ReaderSlot& s = m.slots[i];
    // Acquire: pairs with the registration's store of the state, so pid and name are this reader's.
    const auto state = static_cast<shm::SlotState>(s.state.load(std::memory_order_acquire));
    if ((state == shm::SlotState::Active || state == shm::SlotState::Evicted) && s.pid == pid &&
        s.kind == shm::ReaderKind::Lossless && std::strncmp(s.name, kReaderName, sizeof s.name) == 0) {
      return &s;
    }
  }
  return nullptr;
}

class Recorder {
 public:
  Recorder(const RecorderOptions& o, const std::atomic<bool>& stop) : o_(o), stop_(stop) {}
  RecorderSummary run();

 private:
  std::optional<RingReader> attach(bool first);
  void begin_generation();
  void end_generation();
  void housekeeping();
  void progress(std::int64_t now);
  // Relaxed: the flag carries no data with it; the loop only needs to see it eventually.
  bool stopping() const noexcept { return stop_.load(std::memory_order_relaxed); }

  const RecorderOptions& o_;
  const std::atomic<bool>& stop_;
  std::optional<CaptureWriter> writer_;
  std::optional<RingReader> reader_;
  const shm::ReaderSlot* slot_ = nullptr;
  RecorderSummary summary_;
  std::int64_t started_ = 0;
  std::int64_t block_started_ = 0;
  std::uint64_t blocks_seen_ = 0;
  std::int64_t next_progress_ = 0;
  std::uint64_t last_progress_bytes_ = 0;
  std::uint64_t recorded_next_ = 0;  // after the last frame recorded of this generation (0: none yet)
  std::int64_t last_progress_time_ = 0;
};

std::optional<RingReader> Recorder::attach(bool first) {
  shm::ReaderOptions options;
  options.kind = shm::ReaderKind::Lossless;
  // A new generation is recorded from its first frame whatever --from said.
  options.start = first && o_.from_newest ? shm::StartAt::Newest : shm::StartAt::Oldest;
  options.name = kReaderName;
  fs::path path;
  try {
    path = shm::ring_path(o_.ring);
  } catch (const shm::RingError& e) {
    throw InputError(e.what());
  }
  bool announced = false;
  std::error_code ec;
  while (!fs::exists(path, ec)) {
    if (!o_.wait_for_ring && first) {  // later, the ring existed a moment ago: wait for its successor
      throw InputError(fmt::format("ring '{}' not found in {} (start its writer first, or use --wait)", o_.ring,
                                   shm::ring_directory().string()));
    }
    if (stopping()) return std::nullopt;
    if (!announced) fmt::print(stderr, "record: waiting for ring '{}' in {}\n", o_.ring, shm::ring_directory().string());
    announced = true;
    sleep_ns(10'000'000);
  }
  try {
    return RingReader::attach(o_.ring, options);
  } catch (const shm::RingError& e) {
    throw InputError(std::string("record: ") + e.what());
  }
}

void Recorder::begin_generation() {
  slot_ = own_slot(*reader_);
  recorded_next_ = 0;
  ++summary_.generations;
  writer_->start_segment(ring_info(*reader_));
  fmt::print(stderr, "record: ring '{}' generation {} -> {}\n", o_.ring, reader_->generation(),
             writer_->current_file().string());
}

void Recorder::end_generation() {
  if (!reader_) return;
  // Relaxed: statistics the writer adds to; nothing else is read through them.
  if (slot_ != nullptr) {
    summary_.stall_caused_ns += static_cast<std::uint64_t>(slot_->stall_caused_ns.load(std::memory_order_relaxed));
  }
  summary_.writer_stall_ns += reader_->ring().header->stall_ns.load(std::memory_order_relaxed);
  slot_ = nullptr;
}

void Recorder::housekeeping() {
  writer_->poll();
  const std::int64_t now = shm::monotonic_ns();
  const std::uint64_t blocks = writer_->stats().data_blocks;
  if (blocks != blocks_seen_) {
    blocks_seen_ = blocks;
    block_started_ = now;
  } else if (writer_->has_unsealed_frames() &&
             now - block_started_ >= std::chrono::nanoseconds(o_.flush_interval).count()) {
    // Quiet ring: what was read goes to disk now, so a killed recorder loses little.
    writer_->seal();
    block_started_ = now;
  }
  if (o_.progress_interval.count() > 0 && now >= next_progress_) progress(now);
}

void Recorder::progress(std::int64_t now) {
  next_progress_ = now + std::chrono::nanoseconds(o_.progress_interval).count();
  if (!reader_ || last_progress_time_ == 0) {
    last_progress_time_ = now;
    return;
  }
  const CaptureWriterStats& st = writer_->stats();
  const shm::RingHeader& h = *reader_->ring().header;
  // Relaxed: tools' hints, as the writer stores them.
  const std::uint64_t written = h.write_position.load(std::memory_order_relaxed);
  const std::uint64_t lag_bytes = written > reader_->position() ? written - reader_->position() : 0;
  const std::uint64_t next_seq = h.next_sequence.load(std::memory_order_relaxed);
  const std::uint64_t lag_frames = reader_->next_sequence() != 0 && next_seq > reader_->next_sequence()
                                       ? next_seq - reader_->next_sequence()
                                       : 0;
  const double secs = static_cast<double>(now - last_progress_time_) / 1e9;
  const double mbps = static_cast<double>(st.frame_bytes - last_progress_bytes_) / 1e6 / secs;
  // Relaxed: statistics, as above.
  const std::uint64_t caused =
      slot_ != nullptr ? static_cast<std::uint64_t>(slot_->stall_caused_ns.load(std::memory_order_relaxed)) : 0;
  fmt::print(stderr,
             "record: {} frames, {:.1f} MB, {:.1f} MB/s, lag {} bytes ({} frames), stall caused {:.3f} ms "
             "(writer total {:.3f} ms), {} segments\n",
             st.frames, static_cast<double>(st.frame_bytes) / 1e6, mbps, lag_bytes, lag_frames,
             static_cast<double>(summary_.stall_caused_ns + caused) / 1e6,
             static_cast<double>(h.stall_ns.load(std::memory_order_relaxed)) / 1e6, st.segments);
  last_progress_bytes_ = st.frame_bytes;
  last_progress_time_ = now;
}

RecorderSummary Recorder::run() {
  CaptureWriterOptions capture = o_.capture;
  // While the recorder waits for the disk it reads no frames: heartbeat, or the writer evicts it.
  capture.while_waiting = [this] {
    if (reader_) reader_->heartbeat();
  };
  writer_.emplace(std::move(capture));
  reader_ = attach(true);
  if (!reader_) {
    summary_.stopped_by = "signal";
    return summary_;
  }
  started_ = shm::monotonic_ns();
  begin_generation();
  bool announced_stop = false;
  std::uint32_t idle = 0;
  std::uint32_t since_housekeeping = 0;
  for (;;) {
    if (stopping()) {
      summary_.stopped_by = "signal";
      break;
    }
    const shm::ReadResult got = reader_->read();
    if (got.status == ReadStatus::Frame) {
      // The frame is read in place: copy it, then ask whether the ring writer had
      // evicted this reader (and so may have overwritten the frame) meanwhile.
      // Only a whole frame goes into the capture; the next read() says Evicted.
      std::byte* copy = writer_->reserve(got.frame->length);
      std::memcpy(copy, got.frame, got.frame->length);
      if (reader_->frame_intact()) {
        std::uint64_t sequence;  // of the copy: the ring's bytes may change after the check
        std::memcpy(&sequence, copy + offsetof(FrameHeader, sequence), sizeof sequence);
        writer_->add_reserved();
        recorded_next_ = sequence + 1;
      }
      idle = 0;
      if (++since_housekeeping == 1024) {
        since_housekeeping = 0;
        housekeeping();
      }
      continue;
    }
    if (got.status == ReadStatus::Empty) {
      // Back off while the ring is quiet: a short sleep costs the writer nothing
      // (the ring holds what arrives meanwhile) and leaves the core to it.
      if (++idle > 64) sleep_ns(idle > 4096 ? 200'000 : 20'000);
      housekeeping();
      continue;
    }
    writer_->seal();  // whatever happens next, what was read goes to disk
    if (got.status == ReadStatus::NewGeneration) {
      end_generation();
      const std::uint64_t old = reader_->generation();
      reader_.reset();
      reader_ = attach(false);
      if (!reader_) continue;  // stopping
      fmt::print(stderr, "record: ring '{}' restarted (generation {} -> {})\n", o_.ring, old, reader_->generation());
      begin_generation();
      announced_stop = false;
      continue;
    }
    if (got.status == ReadStatus::Evicted) {
      ++summary_.evictions;
      fmt::print(stderr, "record: evicted by the ring writer ({} frames behind): the capture has a gap; reattaching\n",
                 reader_->behind_frames());
      end_generation();
      const std::uint64_t generation = reader_->generation();
      // The first frame not recorded. What is lost is what the writer overwrote
      // before the reattach, not everything the recorder was behind: the reattached
      // reader starts at the oldest frame still in the ring.
      const std::uint64_t resume_from = recorded_next_ != 0 ? recorded_next_ : reader_->next_sequence();
      const std::uint64_t behind = reader_->behind_frames();
      reader_.reset();
      reader_ = attach(false);
      if (!reader_) continue;  // stopping
      if (reader_->generation() != generation) {
        summary_.missed += behind;  // the rest of the old generation is gone with its writer
        begin_generation();  // the writer restarted meanwhile: its frames get their own segment
      } else {
        slot_ = own_slot(*reader_);
        const std::uint64_t next = reader_->next_sequence();
        if (next > resume_from) {
          summary_.missed += next - resume_from;
          fmt::print(stderr, "record: reattached at seq {}: the capture misses seq {}..{} ({} frames)\n", next,
                     resume_from, next - 1, next - resume_from);
        } else {
          fmt::print(stderr, "record: reattached at seq {}: nothing was lost\n", next);
        }
      }
      continue;
    }
    const bool dead = got.status == ReadStatus::WriterDead;
    if (o_.until_writer_stops) {
      summary_.stopped_by = dead ? "writer dead" : "writer closed";
      break;
    }
    if (!announced_stop) {
      fmt::print(stderr, "record: the writer of '{}' {}; waiting for its next generation (Ctrl-C stops)\n", o_.ring,
                 dead ? "died" : "closed the ring");
      announced_stop = true;
    }
    housekeeping();
    sleep_ns(20'000'000);
  }
  end_generation();
  writer_->close();
  summary_.capture = writer_->stats();
  summary_.seconds = static_cast<double>(shm::monotonic_ns() - started_) / 1e9;
  reader_.reset();
  return summary_;
}

}  // namespace

RecorderSummary run_recorder(const RecorderOptions& options, const std::atomic<bool>& stop) {
  Recorder r(options, stop);
  return r.run();
}

std::string to_json(const RecorderSummary& s, const RecorderOptions& o) {
  const auto quoted = [](const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
      if (c == '"' || c == '\\') out += '\\';
      if (static_cast<unsigned char>(c) < 0x20) {
        out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        continue;
      }
      out += c;
    }
    return out + "\"";
  };
  const double rate = s.seconds > 0 ? static_cast<double>(s.capture.frames) / s.seconds : 0.0;
  return fmt::format(
      "{{\"command\":\"record\",\"ring\":{},\"file\":{},\"frames\":{},\"bytes\":{},\"file_bytes\":{},\"segments\":{},"
      "\"blocks\":{},\"index_blocks\":{},\"generations\":{},\"seconds\":{:.3f},\"frames_per_s\":{:.0f},"
      "\"stall_caused_ns\":{},\"writer_stall_ns\":{},\"buffer_waits\":{},\"buffer_wait_ns\":{},\"evictions\":{},"
      "\"missed\":{},\"stopped_by\":{}}}",
      quoted(o.ring), quoted(o.capture.file.string()), s.capture.frames, s.capture.frame_bytes, s.capture.file_bytes,
      s.capture.segments, s.capture.data_blocks, s.capture.index_blocks, s.generations, s.seconds, rate,
      s.stall_caused_ns, s.writer_stall_ns, s.capture.buffer_waits, s.capture.buffer_wait_ns, s.evictions, s.missed,
      quoted(s.stopped_by));
}

}  // namespace ringside::tools
