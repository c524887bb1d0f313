#include "ringside/processors/runtime.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "ringside/core/frame_check.hpp"
#include "ringside/core/iso_time.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/processors/pipeline.hpp"
#include "ringside/shm/writer.hpp"

namespace ringside::processors {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Frames read before the records they made are published and the loop looks
// around (signals, status, heartbeat): large enough that the per-batch work
// vanishes per frame, small enough that records follow their trades within
// microseconds.
constexpr std::size_t kBatchFrames = 1024;
// Problems reported one by one before only counting them.
constexpr std::uint64_t kReportedOneByOne = 10;

// Records made but not yet in the ring: jobs emit into it, flush() publishes.
// Grows to the largest batch once, then reuses its memory.
class RecordBuffer final : public RecordSink {
 public:
  void emit(const FrameHeader& record) override {
    const std::size_t at = words_.size();
    words_.resize(at + record.length / sizeof(std::uint64_t));
    std::memcpy(words_.data() + at, &record, record.length);
    ++count_;
  }

  template <class F>
  void for_each(F&& f) const {
    for (std::size_t at = 0; at < words_.size();) {
      const auto& h = *reinterpret_cast<const FrameHeader*>(words_.data() + at);
      f(h);
      at += h.length / sizeof(std::uint64_t);
    }
  }
  std::size_t count() const noexcept { return count_; }
  void clear() noexcept {
    words_.clear();
    count_ = 0;
  }

 private:
  std::vector<std::uint64_t> words_;  // 8-byte units keep every record aligned
  std::size_t count_ = 0;
};

// NDJSON on stdout through one buffer and write(2); a reader that goes away
// (`ringside-proc --ndjson | head`) is noticed as EPIPE (SIGPIPE is ignored).
class StdoutLines {
 public:
  StdoutLines() : buffer_(std::make_unique<char[]>(kBytes)) {}
  ~StdoutLines() { flush(); }
  StdoutLines(const StdoutLines&) = delete;
  StdoutLines& operator=(const StdoutLines&) = delete;

  void line(std::string_view text) {
    if (used_ + text.size() + 1 > kBytes) flush();
    if (text.size() + 1 > kBytes) return;  // longer than any encoded event can be
    std::memcpy(buffer_.get() + used_, text.data(), text.size());
    used_ += text.size();
    buffer_[used_++] = '\n';
  }
  bool flush() {
    std::size_t done = 0;
    while (done < used_ && !closed_) {
      const ssize_t n = ::write(STDOUT_FILENO, buffer_.get() + done, used_ - done);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        closed_ = true;  // EPIPE, or stdout unusable: nobody is reading
      }
    }
    used_ = 0;
    return !closed_;
  }
  bool closed() const noexcept { return closed_; }

 private:
  static constexpr std::size_t kBytes = 1u << 18;
  std::unique_ptr<char[]> buffer_;
  std::size_t used_ = 0;
  bool closed_ = false;
};

std::string time_of_day(std::int64_t ns) {
  if (ns == kNoTime) return "-";
  char stamp[kIsoTimestampLength];
  write_iso_timestamp(stamp, ns);
  return std::string(stamp + 11, 15);
}

class Runtime {
 public:
  Runtime(const RuntimeOptions& o, const std::atomic<bool>& stop)
      : o_(o), stop_(stop), pipeline_(make_jobs(o), o.out_of_orderness_ns) {
    try {
      shm::check_ring_name(o.input);
      shm::check_ring_name(o.output);
    } catch (const shm::RingError& e) {
      throw UsageError(e.what());
    }
    if (o.input == o.output) throw UsageError("--out must name another ring than --ring ('" + o.input + "')");
    if (o.out_of_orderness_ns < 0) throw UsageError("--watermark-delay must not be negative");
  }

  void run() {
    if (!attach(o_.start, std::chrono::milliseconds(static_cast<std::int64_t>(o_.wait_s * 1000)), true)) return;
    started_ = last_status_ = Clock::now();
    std::uint32_t idle = 0;
    bool announced_end = false;
    // Relaxed loads of the stop flag here and below: a lone flag set by a signal
    // handler, with no data published through it; seeing it a loop later is fine.
    while (!stop_.load(std::memory_order_relaxed) && !stdout_.closed()) {
      if (!reader_) {  // a new generation we could not bind to: try again
        if (!attach(shm::StartAt::Oldest, 0ms, false)) std::this_thread::sleep_for(100ms);
        continue;
      }
      pipeline_.set_wall_time(shm::realtime_ns());
      shm::ReadResult got;
      std::size_t n = 0;
      while (n < kBatchFrames) {
        got = reader_->read();
        if (got.status != shm::ReadStatus::Frame) break;
        on_frame(*got.frame, got.missed);
        ++n;
      }
      publish();
      writer_->heartbeat();
      maybe_status();
      if (n != 0) {
        idle = 0;
        continue;
      }
      if (got.status == shm::ReadStatus::Empty) {
        if (o_.ndjson) stdout_.flush();
        pause(++idle);
        continue;
      }
      if (got.status == shm::ReadStatus::NewGeneration) {
        end_stream();
        fmt::print(stderr, "proc: ring '{}' has a new writer; reading its new generation from the first frame\n",
                   o_.input);
        attach(shm::StartAt::Oldest, 10s, false);
        announced_end = false;
        continue;
      }
      // WriterClosed or WriterDead (Evicted is for lossless readers), with everything read.
      end_stream();
      if (!announced_end) {
        const shm::WriterStatus w = reader_->writer_status();
        fmt::print(stderr, "proc: the writer of '{}' (pid {}) {}; pending windows emitted{}\n", o_.input, w.pid,
                   got.status == shm::ReadStatus::WriterClosed ? "closed the ring" : "is gone (died)",
                   o_.exit_on_close ? "" : "; waiting for a new writer (Ctrl-C stops)");
        announced_end = true;
      }
      if (o_.exit_on_close) break;
      pause(4096);
    }
    publish();
    if (o_.ndjson) stdout_.flush();
    summary();
  }

 private:
  static std::vector<std::unique_ptr<Job>> make_jobs(const RuntimeOptions& o) {
    if (o.jobs.empty()) throw UsageError("no --job given");
    std::vector<std::unique_ptr<Job>> jobs;
    for (const std::string& name : o.jobs) {
      for (const auto& job : jobs) {
        if (job->name() == name) throw UsageError("--job " + name + " is given twice");
      }
      try {
        jobs.push_back(make_job(name, o.job_options));
      } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
      }
    }
    return jobs;
  }

  // (Re)attaches to the input, binds the jobs to its symbol table and makes sure
  // the output ring carries that table. False when a re-attachment failed.
  bool attach(shm::StartAt start, std::chrono::milliseconds wait, bool first) {
    shm::ReaderOptions options;
    options.kind = shm::ReaderKind::Lossy;
    options.start = start;
    options.resume_after_lap = shm::StartAt::Newest;  // a lapped processor catches up rather than falls further behind
    options.name = "ringside-proc";
    const auto deadline = Clock::now() + wait;
    for (;;) {
      try {
        shm::RingReader attached = shm::RingReader::attach(o_.input, options);
        reader_.reset();  // the old generation's reader goes only once the new one is there
        reader_.emplace(std::move(attached));
        break;
      } catch (const shm::RingError& e) {
        const bool missing = e.missing();  // not a second look at the file: the writer may have put it in place since
        if (missing && Clock::now() < deadline && !stop_.load(std::memory_order_relaxed)) {
          std::this_thread::sleep_for(20ms);
          continue;
        }
        if (first) {
          throw UsageError(std::string(e.what()) +
                           (missing && wait.count() > 0 ? fmt::format(" (waited {:.1f} s)", o_.wait_s) : ""));
        }
        if (!reattach_reported_) fmt::print(stderr, "proc: {}; trying again\n", e.what());
        reattach_reported_ = true;
        reader_.reset();
        return false;
      }
    }
    if (reader_->metadata().empty()) {
      const std::string message =
          reader_->ring().path.string() + ": the ring has no symbol table in its metadata; processors need one";
      if (first) throw UsageError(message);
      fmt::print(stderr, "proc: {}; waiting for another writer\n", message);
      reader_.reset();
      return false;
    }
    std::optional<SymbolTable> table;
    try {
      table.emplace(SymbolTable::from_image(reader_->metadata()));
    } catch (const std::exception& e) {
      const std::string message = reader_->ring().path.string() + ": metadata: " + e.what();
      if (first) throw UsageError(message);
      fmt::print(stderr, "proc: {}\n", message);
      reader_.reset();
      return false;
    }
    std::vector<std::byte> image = table->to_image();
    reattach_reported_ = false;
    const bool same_table = symbols_ && image == image_;
    json_.reset();  // holds a reference to the table about to be replaced
    symbols_ = std::move(table);
    image_ = std::move(image);
    if (!same_table || !writer_) open_output();
    if (o_.ndjson) json_ = std::make_unique<JsonEncoder>(*symbols_);
    pipeline_.bind(*symbols_);
    first_frame_ = true;
    stream_open_ = true;
    const shm::WriterStatus w = reader_->writer_status();
    std::string jobs;
    for (const auto& job : pipeline_.jobs()) jobs += (jobs.empty() ? "" : ", ") + std::string(job->name());
    fmt::print(stderr,
               "proc: ring '{}' generation {}, writer pid {} ({}), {} symbols, from the {} frame{}; jobs {} -> ring "
               "'{}' generation {}\n",
               o_.input, w.generation, w.pid, w.alive ? "alive" : "not running", symbols_->size(),
               start == shm::StartAt::Oldest ? "oldest" : "newest",
               reader_->registered() ? "" : " (not in the reader table)", jobs, o_.output, writer_->generation());
    return true;
  }

  // A new generation of the output ring with the bound table as its metadata. The
  // previous writer (if any) closes first: a name is refused while a live writer holds it.
  void open_output() {
    publish();
    writer_.reset();
    shm::CreateOptions options;
    options.capacity = o_.output_capacity;
    options.metadata = image_;
    writer_.emplace(shm::RingWriter::create(o_.output, options));
  }

  void on_frame(const FrameHeader& frame, std::uint64_t missed) {
    ++frames_;
    if (first_frame_) {
      first_frame_ = false;
      // Frames before the first one read were published before we attached (or
      // lost to a lap before the first read): windows that held them are partial.
      if (frame.sequence > 1) {
        joined_at_ = frame.sequence;
        pipeline_.gap(frame.sequence - 1, frame);
      }
    } else if (missed != 0) {
      ++gaps_;
      missed_ += missed;
      if (gaps_ <= kReportedOneByOne) {
        fmt::print(stderr, "proc: gap: missed {} frames (seq {}..{}): lapped by the writer; windows they touch are "
                           "flagged input_gap{}\n",
                   missed, frame.sequence - missed, frame.sequence - 1,
                   gaps_ == kReportedOneByOne ? " (further gaps are only counted)" : "");
      }
      pipeline_.gap(missed, frame);
    }
    if (const FrameError error = check_frame(&frame, frame.length, symbols_->size()); error != FrameError::None) {
      if (++invalid_ <= kReportedOneByOne) {
        fmt::print(stderr, "proc: ring '{}': frame seq {} ({} bytes, type {}): {}; skipped\n", o_.input, frame.sequence,
                   frame.length, static_cast<unsigned>(frame.type), to_string(error));
      }
      return;
    }
    pipeline_.process(frame, buffer_);
  }

  // The input stream ended: jobs emit what is pending, into the current output.
  void end_stream() {
    if (!stream_open_) return;
    stream_open_ = false;
    pipeline_.set_wall_time(shm::realtime_ns());
    pipeline_.end_of_stream(buffer_);
    publish();
  }

  // The buffered records into the output ring (and stdout).
  void publish() {
    if (buffer_.count() == 0 || !writer_) return;
    const std::int64_t now = shm::realtime_ns();
    const std::uint64_t first_sequence = writer_->next_sequence();
    // Commit before the claims of one batch could wrap onto themselves.
    const std::uint64_t commit_every = writer_->capacity() / 8;
    std::uint64_t claimed = 0;
    buffer_.for_each([&](const FrameHeader& record) {
      // No record is longer than a ring's largest frame; the ring assigns the sequence.
      if (writer_->claim_copy(record) == nullptr) return;
      ++records_[static_cast<std::uint8_t>(record.type) & 15u];
      claimed += record.length;
      if (claimed >= commit_every) {
        writer_->commit(now);
        claimed = 0;
      }
    });
    writer_->commit(now);
    if (json_) {
      std::uint64_t sequence = first_sequence;
      buffer_.for_each([&](const FrameHeader& record) {
        FrameBuffer copy;
        std::memcpy(copy.bytes, &record, record.length);
        copy.header().sequence = sequence++;  // what the ring writer assigned
        copy.header().publish_time_ns = now;
        if (const Encoded e = json_->encode(copy.header())) stdout_.line(e.bytes);
      });
    }
    buffer_.clear();
  }

  void maybe_status() {
    if (o_.status_interval_s <= 0) return;
    const auto now = Clock::now();
    if (now - last_status_ < std::chrono::duration<double>(o_.status_interval_s)) return;
    const double span = std::chrono::duration<double>(now - last_status_).count();
    fmt::print(stderr, "proc: {} frames ({:.0f}/s), watermark {}; {}\n", frames_,
               static_cast<double>(frames_ - frames_at_status_) / span, time_of_day(pipeline_.clock().watermark()),
               counters());
    last_status_ = now;
    frames_at_status_ = frames_;
  }

  std::string counters() const {
    std::string text = fmt::format("{} gap{} ({} frames missed)", gaps_, gaps_ == 1 ? "" : "s", missed_);
    if (invalid_ != 0) text += fmt::format(", {} invalid frames skipped", invalid_);
    for (const auto& job : pipeline_.jobs()) text += fmt::format("; {}: {}", job->name(), job->status());
    std::uint64_t total = 0;
    std::string per_type;
    for (const EventType type : kAnalyticsEventTypes) {
      const std::uint64_t n = records_[static_cast<std::uint8_t>(type) & 15u];
      total += n;
      if (n != 0) per_type += fmt::format("{}{} {}", per_type.empty() ? "" : ", ", n, to_string(type));
    }
    text += fmt::format("; ring '{}': {} records{}", o_.output, total, per_type.empty() ? "" : " (" + per_type + ")");
    return text;
  }

  void summary() const {
    const double s = std::chrono::duration<double>(Clock::now() - started_).count();
    fmt::print(stderr, "proc: done after {:.1f} s: {} frames read{}; {}\n", s, frames_,
               joined_at_ > 1 ? fmt::format(" (joined at seq {})", joined_at_) : "", counters());
  }

  // Idle back-off: spin briefly (a burst is likely to follow), then sleep longer.
  static void pause(std::uint32_t idle) {
    if (idle < 64) return;
    std::this_thread::sleep_for(idle < 1024 ? 50us : 1ms);
  }

  const RuntimeOptions& o_;
  const std::atomic<bool>& stop_;
  Pipeline pipeline_;
  std::optional<shm::RingReader> reader_;
  std::optional<SymbolTable> symbols_;
  std::vector<std::byte> image_;
  std::optional<shm::RingWriter> writer_;
  std::unique_ptr<JsonEncoder> json_;
  RecordBuffer buffer_;
  StdoutLines stdout_;
  bool first_frame_ = true;
  bool stream_open_ = false;
  bool reattach_reported_ = false;
  std::uint64_t joined_at_ = 0;
  std::uint64_t frames_ = 0, frames_at_status_ = 0, gaps_ = 0, missed_ = 0, invalid_ = 0;
  std::uint64_t records_[16] = {};
  Clock::time_point started_{}, last_status_{};
};

}  // namespace

void run_processor(const RuntimeOptions& options, const std::atomic<bool>& stop) {
  Runtime runtime(options, stop);
  runtime.run();
}

std::int64_t parse_duration_ns(std::string_view text) {
  const auto bad = [&] {
    return std::invalid_argument(fmt::format("'{}': not a duration (e.g. 5s, 30s, 1m, 250ms)", text));
  };
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end == text.data()) throw bad();
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  static const std::map<std::string_view, double> kUnits = {
      {"", 1e9}, {"s", 1e9}, {"ms", 1e6}, {"us", 1e3}, {"ns", 1}, {"m", 60e9}, {"min", 60e9}, {"h", 3600e9}};
  const auto it = kUnits.find(unit);
  if (it == kUnits.end() || !std::isfinite(value) || value < 0) throw bad();
  const double ns = std::round(value * it->second);
  if (ns > 9.2e18) throw bad();
  return static_cast<std::int64_t>(ns);
}

}  // namespace ringside::processors
