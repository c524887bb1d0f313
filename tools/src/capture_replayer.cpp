#include "ringside/tools/capture_replayer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <thread>

#include "ringside/core/iso_time.hpp"
#include "ringside/shm/writer.hpp"
#include "ringside/tools/capture_reader.hpp"
#include "ringside/tools/capture_signals.hpp"
#include "ringside/tools/input_error.hpp"

namespace ringside::tools {
namespace {

// Frames claimed before one commit: one release store and one clock read per
// batch instead of per frame when replaying as fast as possible.
constexpr std::uint32_t kBatch = 64;
constexpr std::int64_t kSpinNs = 100'000;        // the last stretch before a frame is due is spun, not slept
constexpr std::int64_t kMaxSleepNs = 100'000'000;  // long gaps are slept in slices: heartbeat, stop

shm::BackingChoice backing_of(const std::string& name) {
  if (name == "huge") return shm::BackingChoice::Hugetlbfs;
  if (name == "shm") return shm::BackingChoice::SharedMemory;
  return shm::BackingChoice::Auto;
}

class Replayer {
 public:
  Replayer(const ReplayOptions& o, const std::atomic<bool>& stop) : o_(o), stop_(stop) {}
  ReplaySummary run();

 private:
  bool pass();
  void commit();
  bool wait_until(std::int64_t due);
  void housekeeping(std::int64_t now);
  // Relaxed: the flag carries no data with it; the loop only needs to see it eventually.
  bool stopping() const noexcept { return stop_.load(std::memory_order_relaxed); }

  const ReplayOptions& o_;
  const std::atomic<bool>& stop_;
  std::optional<CaptureReader> reader_;
  std::optional<shm::RingWriter> writer_;
  ReplaySummary summary_;
  std::uint32_t pending_ = 0;
  std::size_t damage_reported_ = 0;
  std::int64_t started_ = 0;
  std::int64_t next_progress_ = 0;
  std::int64_t last_event_ns_ = 0;
  std::size_t checked_segment_ = 0;  // segments before it were compared with the ring's symbol table
  bool warned_metadata_ = false;
  bool warned_large_ = false;
};

void Replayer::commit() {
  if (pending_ == 0) return;
  writer_->commit(shm::realtime_ns());
  summary_.frames += pending_;
  pending_ = 0;
}

// Sleeps most of the way, spins the rest; false if stopped meanwhile.
bool Replayer::wait_until(std::int64_t due) {
  for (;;) {
    const std::int64_t now = shm::monotonic_ns();
    if (now >= due) return true;
    if (stopping()) return false;
    const std::int64_t left = due - now;
    if (left > kSpinNs) {
      sleep_ns(std::min(left - kSpinNs, kMaxSleepNs));
      writer_->heartbeat();
      housekeeping(shm::monotonic_ns());
    } else {
      std::this_thread::yield();
    }
  }
}

void Replayer::housekeeping(std::int64_t now) {
  const auto& damage = reader_->damage();
  for (; damage_reported_ < damage.size(); ++damage_reported_) {
    fmt::print(stderr, "replay: damaged capture: {}\n", to_string(damage[damage_reported_]));
  }
  if (o_.progress_interval.count() == 0 || now < next_progress_) return;
  next_progress_ = now + std::chrono::nanoseconds(o_.progress_interval).count();
  const double secs = static_cast<double>(now - started_) / 1e9;
  char at[kIsoTimestampLength + 1] = {};
  write_iso_timestamp(at, last_event_ns_);
  fmt::print(stderr, "replay: {} frames in {:.1f} s ({:.0f}/s), pass {}, event time {}\n", summary_.frames, secs,
             secs > 0 ? static_cast<double>(summary_.frames) / secs : 0.0, summary_.passes, at);
}

// One pass over the capture (or the --from/--to range); false when stopped.
bool Replayer::pass() {
  CaptureReader& r = *reader_;
  if (summary_.passes > 0) r.rewind();
  ++summary_.passes;
  if (o_.from) {
    const bool found = o_.from->kind == CapturePoint::Kind::Sequence ? r.seek_sequence(o_.from->sequence)
                                                                     : r.seek_time(o_.from->time_ns);
    if (!found) return true;
  }
  const bool paced = o_.speed > 0;
  const std::vector<std::byte>& ring_metadata = r.segments().front().metadata;
  std::int64_t recorded_start = 0;
  std::int64_t wall_start = 0;
  std::int64_t last_due = 0;
  bool first = true;
  std::uint32_t since_housekeeping = 0;
  while (const FrameHeader* f = r.next()) {
    if (o_.to && o_.to->after(*f)) break;
    if (paced) {
      if (first) {
        recorded_start = f->publish_time_ns;
        wall_start = shm::monotonic_ns();
      }
      // The recorded gap, scaled; never earlier than the frame before (a clock step back in the recording).
      const double gap = static_cast<double>(f->publish_time_ns - recorded_start) / o_.speed;
      const std::int64_t due = std::max(last_due, wall_start + static_cast<std::int64_t>(gap));
      last_due = due;
      if (due > shm::monotonic_ns()) {
        commit();  // what is due now goes out before the wait
        if (!wait_until(due)) return false;
      }
    }
    first = false;
    void* at = writer_->claim_copy(*f);  // the ring gives it a sequence of its own
    if (at == nullptr) {
      if (!warned_large_) {
        fmt::print(stderr, "replay: a {}-byte frame does not fit the ring (max {}); such frames are skipped\n",
                   f->length, writer_->max_frame_length());
      }
      warned_large_ = true;
      continue;
    }
    last_event_ns_ = f->event_time_ns;
    if (++pending_ == kBatch) commit();
    if (++since_housekeeping == 4096) {
      since_housekeeping = 0;
      commit();
      writer_->heartbeat();
      housekeeping(shm::monotonic_ns());
      if (!warned_metadata_ && r.segment_index() != checked_segment_ && r.segment().metadata != ring_metadata) {
        fmt::print(stderr, "replay: {} has another symbol table than the first segment; its frames are published "
                           "into the same ring as they are\n", r.segment().file.string());
        warned_metadata_ = true;
      }
      checked_segment_ = r.segment_index();
      if (stopping()) return false;
    }
  }
  commit();
  return !stopping();
}

ReplaySummary Replayer::run() {
  reader_.emplace(CaptureReader::open(o_.files));
  const CaptureSegmentInfo& first = reader_->segments().front();
  summary_.ring = o_.ring.empty() ? first.ring_name : o_.ring;
  if (summary_.ring.empty()) throw InputError(first.file.string() + ": the capture names no ring; give --ring NAME");
  shm::CreateOptions create;
  create.capacity = o_.ring_bytes != 0 ? o_.ring_bytes : first.ring_capacity != 0 ? first.ring_capacity : 64ull << 20;
  create.metadata = first.metadata;
  create.backing = backing_of(o_.backing);
  try {
    writer_.emplace(shm::RingWriter::create(summary_.ring, create));
  } catch (const shm::RingError& e) {
    const std::string what = e.what();
    if (what.find("live writer") != std::string::npos) {
      throw InputError(what + "; replay into another ring with --ring NAME");
    }
    throw InputError("replay: " + what);
  }
  summary_.generation = writer_->generation();
  fmt::print(stderr, "replay: {} segment(s) of ring '{}' -> ring '{}' (generation {}), speed {}\n",
             reader_->segments().size(), first.ring_name, summary_.ring, summary_.generation,
             o_.speed > 0 ? fmt::format("{}x", o_.speed) : std::string("max"));
  started_ = shm::monotonic_ns();
  next_progress_ = started_ + std::chrono::nanoseconds(o_.progress_interval).count();
  summary_.stopped_by = "end";
  for (;;) {
    const std::uint64_t before = summary_.frames;
    if (!pass()) {
      summary_.stopped_by = "signal";
      break;
    }
    if (summary_.frames == before) {
      if (summary_.passes == 1 && (o_.from || o_.to)) {
        throw InputError("replay: no frame of the capture lies in the range given by --from/--to");
      }
      break;  // an empty capture: looping would spin
    }
    if (!o_.loop) break;
  }
  commit();
  housekeeping(shm::monotonic_ns());
  summary_.seconds = static_cast<double>(shm::monotonic_ns() - started_) / 1e9;
  summary_.damaged = reader_->damage().size();
  summary_.bytes_skipped = reader_->bytes_skipped();
  return summary_;
}

}  // namespace

double parse_replay_speed(const std::string& text) {
  if (text == "max") return 0;
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || !(v > 0) || v > 1e9) {
    throw InputError("--speed: '" + text + "' is not 'max' or a positive factor (1 = recorded pacing, 10 = 10x faster)");
  }
  return v;
}

ReplaySummary run_replay(const ReplayOptions& options, const std::atomic<bool>& stop) {
  Replayer r(options, stop);
  return r.run();
}

std::string to_json(const ReplaySummary& s) {
  std::string ring;
  for (const char c : s.ring) ring += (c == '"' || c == '\\') ? std::string{'\\', c} : std::string{c};
  return fmt::format(
      "{{\"command\":\"replay\",\"ring\":\"{}\",\"generation\":{},\"frames\":{},\"passes\":{},\"seconds\":{:.3f},"
      "\"frames_per_s\":{:.0f},\"damaged\":{},\"bytes_skipped\":{},\"stopped_by\":\"{}\"}}",
      ring, s.generation, s.frames, s.passes, s.seconds,
      s.seconds > 0 ? static_cast<double>(s.frames) / s.seconds : 0.0, s.damaged, s.bytes_skipped, s.stopped_by);
}

}  // namespace ringside::tools
