// ringside export FILE... --format csv|ndjson: a capture (`ringside record`) as
// CSV tables, one per event type, or as NDJSON in the seed's envelope, for
// DuckDB, pandas or a spreadsheet. See tools/README.md.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <array>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "ringside/core/frame_check.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/tools/capture_reader.hpp"
#include "ringside/tools/commands.hpp"
#include "ringside/tools/event_csv.hpp"
#include "ringside/tools/event_filter.hpp"
#include "ringside/tools/event_output.hpp"
#include "ringside/tools/input_error.hpp"

namespace ringside::tools {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct ExportOptions {
  std::vector<std::string> files;
  std::string format;
  std::vector<std::string> types;
  std::vector<std::string> symbols;
  std::string output;  // empty: stdout
  double progress_s = 2;
  bool ignore_damage = false;
};

// Frames between looks at the clock for progress lines: the clock is not read per frame.
constexpr std::uint64_t kProgressCheckFrames = 1u << 16;

class Exporter {
 public:
  explicit Exporter(const ExportOptions& o) : o_(o) {
    filter_.set_types(o.types);
    filter_.set_tickers(o.symbols);
    csv_ = o.format == "csv";
    if (!csv_ && o.format != "ndjson") throw InputError("--format: csv or ndjson, not '" + o.format + "'");
    const std::vector<EventType> types = filter_.types();
    single_table_ = csv_ && types.size() == 1;
    if (csv_ && !single_table_ && o.output.empty()) {
      throw InputError("--format csv writes one table per event type: name a directory with -o DIR, or pick one --type");
    }
    std::vector<fs::path> paths(o.files.begin(), o.files.end());
    reader_.emplace(CaptureReader::open(paths));
    out_.reserve(kEventTypeCount);  // never reallocated: a table's EventOutput stays where it is
    check_tickers();
    open_outputs();
  }

  // Returns whether damaged stretches were skipped.
  bool run() {
    const auto started = Clock::now();
    auto next_progress = started + std::chrono::milliseconds(static_cast<std::int64_t>(o_.progress_s * 1000));
    std::size_t segment = SIZE_MAX;
    while (const FrameHeader* frame = reader_->next()) {
      if (reader_->segment_index() != segment) {
        segment = reader_->segment_index();
        bind_segment();
      }
      ++read_;
      if ((read_ & (kProgressCheckFrames - 1)) == 0 && o_.progress_s > 0 && Clock::now() >= next_progress) {
        progress(started);
        next_progress = Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(o_.progress_s * 1000));
      }
      if (!filter_.accepts(*frame)) continue;
      if (!write(*frame)) break;  // stdout went away
    }
    finish();
    summary(started);
    return !reader_->damage().empty();
  }

 private:
  // Tickers named with --symbol must exist in at least one segment's table.
  void check_tickers() {
    if (filter_.tickers().empty()) return;
    std::vector<std::string> unknown = filter_.tickers();
    for (const CaptureSegmentInfo& s : reader_->segments()) {
      const SymbolTable table = SymbolTable::from_image(s.metadata);
      std::vector<std::string> still;
      for (const std::string& t : unknown) {
        if (table.find(t) == nullptr) still.push_back(t);
      }
      unknown.swap(still);
    }
    if (!unknown.empty()) {
      throw InputError(unknown_symbol_message(unknown, reader_->symbols(), reader_->segments().front().file.string()));
    }
  }

  void open_outputs() {
    if (!csv_) {
      out_.push_back(o_.output.empty() ? EventOutput::standard_output() : EventOutput::create(o_.output));
      return;
    }
    std::error_code ec;
    if (single_table_) {
      const EventType type = filter_.types().front();
      fs::path file = o_.output;
      if (!file.empty() && fs::is_directory(file, ec)) file /= std::string(to_string(type)) + ".csv";
      table_[index(type)] = out_.size();
      out_.push_back(file.empty() ? EventOutput::standard_output() : EventOutput::create(file));
      write_header(type);  // an empty table still has its header
      return;
    }
    directory_ = o_.output;
    if (fs::exists(directory_, ec) && !fs::is_directory(directory_, ec)) {
      throw InputError(directory_.string() + ": not a directory (csv with several event types writes one file per type there)");
    }
    fs::create_directories(directory_, ec);
    if (ec) throw std::runtime_error(directory_.string() + ": cannot create: " + ec.message());
  }

  // The table of a type, created with its header row when its first row comes.
  EventOutput& table(EventType type) {
    std::size_t& slot = table_[index(type)];
    if (slot == kNoTable) {
      slot = out_.size();
      out_.push_back(EventOutput::create(directory_ / (std::string(to_string(type)) + ".csv")));
      write_header(type);
    }
    return out_[slot];
  }

  void write_header(EventType type) { out_[table_[index(type)]].line(EventCsv::header(type)); }

  // A segment has its own symbol table: encoders and the ticker filter follow it.
  void bind_segment() {
    const SymbolTable& symbols = reader_->symbols();
    filter_.bind(symbols);
    if (csv_) {
      csv_encoder_ = std::make_unique<EventCsv>(symbols);
    } else {
      json_ = std::make_unique<JsonEncoder>(symbols);
    }
  }

  bool write(const FrameHeader& frame) {
    const std::size_t t = index(frame.type);
    if (csv_) {
      // A segment without a symbol table lets frames of any symbol through the
      // reader; the CSV renderer needs the symbol's instrument (as JSON does).
      if (check_frame(&frame, frame.length, reader_->symbols().size()) != FrameError::None) {
        ++invalid_;
        return true;
      }
      EventOutput& out = table(frame.type);
      std::size_t rows = 0;
      char* end = csv_encoder_->write_rows(out.reserve(EventCsv::kMaxRowsBytes), frame, rows);
      out.commit(end);
      rows_[t] += rows;
      ++exported_[t];
      return !out.closed();
    }
    const Encoded e = json_->encode(frame);
    if (!e) {  // the reader checked every frame; kept so a reader bug cannot print garbage
      ++invalid_;
      return true;
    }
    out_.front().line(e.bytes);
    ++exported_[t];
    rows_[t] += 1;
    return !out_.front().closed();
  }

  void finish() {
    for (EventOutput& out : out_) out.finish();
  }

  void progress(Clock::time_point started) const {
    const double s = std::chrono::duration<double>(Clock::now() - started).count();
    fmt::print(stderr, "export: {} frames read ({:.0f}/s), segment {} of {}: {}\n", read_, static_cast<double>(read_) / s,
               reader_->segment_index() + 1, reader_->segments().size(), reader_->segment().file.string());
  }

  void summary(Clock::time_point started) const {
    for (const EventOutput& out : out_) {
      if (out.closed()) return;  // `export ... | head`: the reader has what it wanted
    }
    const double s = std::chrono::duration<double>(Clock::now() - started).count();
    std::uint64_t exported = 0;
    for (const std::uint64_t n : exported_) exported += n;
    fmt::print(stderr, "export: {} frames read from {} segment{} in {:.2f} s, {} exported{}\n", read_,
               reader_->segments().size(), reader_->segments().size() == 1 ? "" : "s", s, exported,
               csv_ ? "" : fmt::format(" to {}", o_.output.empty() ? "<stdout>" : o_.output));
    for (const EventType type : kAllEventTypes) {
      const std::size_t t = index(type);
      if (exported_[t] == 0 && !(csv_ && table_[t] != kNoTable)) continue;
      std::string where;
      if (csv_) where = fmt::format(" -> {} ({} rows)", out_[table_[t]].name(), rows_[t]);
      fmt::print(stderr, "  {:<18} {:>12}{}\n", to_string(type), exported_[t], where);
    }
    if (invalid_ != 0) fmt::print(stderr, "  {} frames the encoder refused were skipped\n", invalid_);
    for (const CaptureDamage& d : reader_->damage()) fmt::print(stderr, "  skipped: {}\n", to_string(d));
  }

  static std::size_t index(EventType t) noexcept { return static_cast<std::uint8_t>(t) & 15u; }
  static constexpr std::size_t kNoTable = SIZE_MAX;

  const ExportOptions& o_;
  EventFilter filter_;
  bool csv_ = false;
  bool single_table_ = false;
  std::optional<CaptureReader> reader_;
  fs::path directory_;
  std::vector<EventOutput> out_;
  std::array<std::size_t, 16> table_ = [] {
    std::array<std::size_t, 16> a{};
    a.fill(kNoTable);
    return a;
  }();
  std::unique_ptr<EventCsv> csv_encoder_;
  std::unique_ptr<JsonEncoder> json_;
  std::array<std::uint64_t, 16> exported_{};
  std::array<std::uint64_t, 16> rows_{};
  std::uint64_t read_ = 0;
  std::uint64_t invalid_ = 0;
};

}  // namespace

void add_export_command(CLI::App& app) {
  auto o = std::make_shared<ExportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "export", "Export a capture (ringside record) as CSV tables, one per event type, or as NDJSON in the seed's "
                "JSON envelope. Damaged stretches are skipped and reported; what is whole is exported.");
  cmd->add_option("FILE", o->files, "capture file(s); each is followed by its numbered segments FILE.0001 ...")
      ->required();
  cmd->add_option("--format", o->format, "csv (one table per event type) or ndjson (one JSON envelope per line)")
      ->required()
      ->check(CLI::IsMember({"csv", "ndjson"}));
  cmd->add_option("--type", o->types, "only these event types, e.g. TradeExecuted,QuoteUpdate")->delimiter(',');
  cmd->add_option("--symbol", o->symbols, "only these tickers, e.g. AAPL,MSFT")->delimiter(',');
  cmd->add_option("-o,--output", o->output,
                  "ndjson: the file (default stdout); csv: a directory for TYPE.csv files, or with exactly one "
                  "--type the file (default stdout)");
  cmd->add_option("--progress-interval", o->progress_s, "seconds between progress lines on stderr (0: none)")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  cmd->add_flag("--ignore-damage", o->ignore_damage,
                "exit 0 even when damaged stretches were skipped (they are still reported)");
  cmd->callback([o] {
    ignore_sigpipe();
    Exporter exporter(*o);
    if (exporter.run() && !o->ignore_damage) {
      throw InputError("export: the capture is damaged: the stretches listed above were skipped, everything else was "
                       "exported (--ignore-damage: exit status 0)");
    }
  });
}

}  // namespace ringside::tools
