// ringside tail RING: a lossy reader that prints every event it reads, as a
// readable line or as the seed's JSON envelope, and says exactly what it missed
// when the writer laps it. See tools/README.md.
#include <fmt/format.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ringside/core/frame_check.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/shm/reader.hpp"
#include "ringside/shm/ring_status.hpp"
#include "ringside/tools/capture_signals.hpp"
#include "ringside/tools/commands.hpp"
#include "ringside/tools/event_filter.hpp"
#include "ringside/tools/event_output.hpp"
#include "ringside/tools/event_text.hpp"
#include "ringside/tools/input_error.hpp"

namespace ringside::tools {
namespace {

using namespace std::chrono_literals;

struct TailOptions {
  std::string ring;
  bool json = false;
  std::vector<std::string> types;
  std::vector<std::string> symbols;
  std::string from = "newest";
  std::uint64_t count = 0;
  double wait_s = 0;
  bool exit_on_close = false;
};


// A frame passes check_frame against this many symbols when the ring has no
// symbol table: every id is shown as "#ID".
constexpr std::size_t kAnySymbol = 1u << 16;
// Invalid frames reported one by one before only counting them.
constexpr std::uint64_t kInvalidReported = 10;

// The ring's symbol table; nullopt when its metadata holds none.
std::optional<SymbolTable> ring_symbols(const shm::RingReader& r) {
  if (r.metadata().empty()) return std::nullopt;
  try {
    return SymbolTable::from_image(r.metadata());
  } catch (const std::exception& e) {
    throw InputError(r.ring().path.string() + ": metadata: " + e.what());
  }
}

class Tail {
 public:
  // `stop`: set by SIGINT/SIGTERM (install_stop_signals), polled by the read loop.
  Tail(const TailOptions& o, const std::atomic<bool>& stop)
      : o_(o), stop_(stop), out_(EventOutput::standard_output()) {
    try {
      shm::check_ring_name(o.ring);
    } catch (const shm::RingError& e) {
      throw InputError(e.what());
    }
    filter_.set_types(o.types);
    filter_.set_tickers(o.symbols);
    if (o.from != "oldest" && o.from != "newest") throw InputError("--from: 'oldest' or 'newest', not '" + o.from + "'");
    start_ = o.from == "oldest" ? shm::StartAt::Oldest : shm::StartAt::Newest;
  }

  void run() {
    attach(start_, std::chrono::milliseconds(static_cast<std::int64_t>(o_.wait_s * 1000)), true);
    std::uint32_t idle = 0;
    bool announced_end = false;
    while (!stop_requested() && reader_) {
      const shm::ReadResult got = reader_->read();
      if (got.status == shm::ReadStatus::Frame) {
        idle = 0;
        if (got.missed != 0) gap(*got.frame, got.missed);
        if (!print(*got.frame) || done()) break;
        continue;
      }
      // Nothing to read now: show what is buffered, then back off.
      if (!out_.flush()) break;
      if (got.status == shm::ReadStatus::Empty) {
        pause(++idle);
        continue;
      }
      if (got.status == shm::ReadStatus::NewGeneration) {
        fmt::print(stderr, "tail: ring '{}' has a new writer; reattaching\n", o_.ring);
        // The new generation from its oldest frame: nothing it wrote before we noticed is skipped.
        if (!attach(shm::StartAt::Oldest, 10s, false)) pause(4096);
        announced_end = false;
        continue;
      }
      // WriterClosed or WriterDead, with everything read.
      if (!announced_end) {
        const shm::WriterStatus w = reader_->writer_status();
        fmt::print(stderr, "tail: the writer of '{}' (pid {}) {}{}\n", o_.ring, w.pid,
                   got.status == shm::ReadStatus::WriterClosed ? "closed the ring" : "is gone (died)",
                   o_.exit_on_close ? "" : "; waiting for a new writer (Ctrl-C stops)");
        announced_end = true;
      }
      if (o_.exit_on_close) break;
      pause(4096);
    }
    out_.flush();
    summary();
  }

 private:
  // (Re)attaches as a lossy reader named "tail" and binds symbols and filters to the ring's table.
  bool attach(shm::StartAt start, std::chrono::milliseconds wait, bool first) {
    shm::ReaderOptions options;
    options.kind = shm::ReaderKind::Lossy;
    options.start = start;
    options.resume_after_lap = shm::StartAt::Newest;
    options.name = "tail";
    // The ring may not exist yet: poll for it here rather than in open_ring, so Ctrl-C ends the wait.
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      try {
        options.wait_for_ring = std::chrono::milliseconds{0};
        shm::RingReader attached = shm::RingReader::attach(o_.ring, options);
        reader_.reset();  // the old generation's reader (if any) goes only once the new one is there
        reader_.emplace(std::move(attached));
        break;
      } catch (const shm::RingError& e) {
        const bool missing = e.missing();
        if (missing && std::chrono::steady_clock::now() < deadline && !stop_requested()) {
          std::this_thread::sleep_for(20ms);
          continue;
        }
        if (first) {  // a missing or damaged ring: exit status 2
          throw InputError(std::string(e.what()) +
                           (missing && wait.count() > 0 ? fmt::format(" (waited {:.1f} s)", o_.wait_s) : ""));
        }
        fmt::print(stderr, "tail: {}\n", e.what());
        return false;
      }
    }
    symbols_ = ring_symbols(*reader_);
    const std::string source = "ring '" + o_.ring + "'";
    if (o_.json && !symbols_) {
      throw InputError(reader_->ring().path.string() +
                       ": the ring has no symbol table in its metadata; --json needs one for tickers and prices");
    }
    static const SymbolTable kNoSymbols;
    const std::vector<std::string> unknown = filter_.bind(symbols_ ? *symbols_ : kNoSymbols);
    if (!unknown.empty()) {
      const std::string message = unknown_symbol_message(unknown, symbols_ ? *symbols_ : kNoSymbols, source);
      if (first) throw InputError(message);
      fmt::print(stderr, "tail: {} (new generation)\n", message);
    }
    text_.emplace(symbols_ ? &*symbols_ : nullptr);
    if (o_.json) json_ = std::make_unique<JsonEncoder>(*symbols_);
    symbol_count_ = symbols_ ? symbols_->size() : kAnySymbol;
    const shm::WriterStatus w = reader_->writer_status();
    fmt::print(stderr, "tail: ring '{}' generation {}, writer pid {} ({}), {}, from the {} frame{}\n", o_.ring,
               w.generation, w.pid, w.alive ? "alive" : "not running",
               symbols_ ? fmt::format("{} symbols", symbols_->size()) : std::string("no symbol table: tickers as #ID, prices in ticks"),
               start == shm::StartAt::Oldest ? "oldest" : "newest", reader_->registered() ? "" : " (not in the reader table)");
    return true;
  }

  // A lap: `missed` frames before this one are gone. Reported whatever the filters.
  void gap(const FrameHeader& frame, std::uint64_t missed) {
    ++gaps_;
    missed_ += missed;
    const std::uint64_t from = frame.sequence - missed;
    const std::uint64_t to = frame.sequence - 1;
    char line[160];
    const auto r = o_.json ? fmt::format_to_n(line, sizeof line, "{{\"gap\":{{\"missed\":{},\"from_seq\":{},\"to_seq\":{}}}}}",
                                              missed, from, to)
                           : fmt::format_to_n(line, sizeof line, "-- gap: missed {} frames (seq {}..{})", missed, from, to);
    out_.line(std::string_view(line, r.size));
  }

  // Prints the frame if it is valid and passes the filters; false when stdout has gone.
  bool print(const FrameHeader& frame) {
    if (o_.json) {
      const Encoded e = json_->encode(frame);
      if (!e) return invalid(frame, e.error);
      if (!filter_.accepts(frame)) return true;
      out_.line(e.bytes);
    } else {
      if (const FrameError error = check_frame(&frame, frame.length, symbol_count_); error != FrameError::None) {
        return invalid(frame, error);
      }
      if (!filter_.accepts(frame)) return true;
      if (const std::string_view date = text_->date_change(frame); !date.empty()) {
        char line[32];
        const auto r = fmt::format_to_n(line, sizeof line, "-- {}", date);
        out_.line(std::string_view(line, r.size));
      }
      out_.line(text_->render(frame));
    }
    ++printed_;
    return !out_.closed();
  }

  bool invalid(const FrameHeader& frame, FrameError error) {
    if (invalid_++ < kInvalidReported) {
      fmt::print(stderr, "tail: ring '{}': frame seq {} ({} bytes, type {}): {}; skipped\n", o_.ring, frame.sequence,
                 frame.length, static_cast<unsigned>(frame.type), to_string(error));
    }
    return !out_.closed();
  }

  bool done() const { return o_.count != 0 && printed_ >= o_.count; }

  // Idle back-off: spin briefly (a burst is likely to follow), then sleep longer.
  static void pause(std::uint32_t idle) {
    if (idle < 64) return;
    std::this_thread::sleep_for(idle < 1024 ? 50us : 1ms);
  }

  void summary() const {
    if (out_.closed()) return;  // `tail | head`: the reader has what it wanted
    fmt::print(stderr, "tail: {} events printed, {} gap{} ({} frames missed){}\n", printed_, gaps_, gaps_ == 1 ? "" : "s",
               missed_, invalid_ ? fmt::format(", {} invalid frames skipped", invalid_) : std::string());
  }

  // Relaxed: a lone flag, no data is published with it.
  bool stop_requested() const noexcept { return stop_.load(std::memory_order_relaxed); }

  const TailOptions& o_;
  const std::atomic<bool>& stop_;
  shm::StartAt start_ = shm::StartAt::Newest;
  EventFilter filter_;
  EventOutput out_;
  std::optional<shm::RingReader> reader_;
  std::optional<SymbolTable> symbols_;
  std::optional<EventText> text_;
  std::unique_ptr<JsonEncoder> json_;
  std::size_t symbol_count_ = 0;
  std::uint64_t printed_ = 0;
  std::uint64_t gaps_ = 0;
  std::uint64_t missed_ = 0;
  std::uint64_t invalid_ = 0;
};

}  // namespace

void add_tail_command(CLI::App& app) {
  auto o = std::make_shared<TailOptions>();
  CLI::App* cmd = app.add_subcommand(
      "tail", "Print a ring's events as they arrive (a lossy reader: never slows the writer). Readable lines, or the "
              "seed's JSON envelope with --json; a lap is reported as a gap line with the exact frames missed.");
  cmd->add_option("RING", o->ring, "ring name in the ring directory ($RINGSIDE_SHM_DIR)")->required();
  cmd->add_flag("--json", o->json, "one JSON envelope per line (with \"seq\"); gaps as {\"gap\":{...}} lines");
  cmd->add_option("--type", o->types, "only these event types, e.g. TradeExecuted,QuoteUpdate")->delimiter(',');
  cmd->add_option("--symbol", o->symbols, "only these tickers, e.g. AAPL,MSFT")->delimiter(',');
  cmd->add_option("--from", o->from, "start at the oldest frame still in the ring, or the newest")
      ->check(CLI::IsMember({"oldest", "newest"}))
      ->capture_default_str();
  cmd->add_option("--count", o->count, "stop after printing this many events (0: no limit)")->capture_default_str();
  cmd->add_option("--wait", o->wait_s, "seconds to wait for the ring to appear (0: fail at once)")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  cmd->add_flag("--exit-on-close", o->exit_on_close,
                "stop when the writer closes or dies (after the last frame) instead of waiting for a new writer");
  cmd->callback([o] {
    const std::atomic<bool>& stop = install_stop_signals();
    ignore_sigpipe();
    Tail tail(*o, stop);
    tail.run();
  });
}

}  // namespace ringside::tools
