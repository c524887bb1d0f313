#include "ringside/tools/ring_status_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <system_error>

#include "ringside/core/instrument.hpp"
#include "ringside/core/iso_time.hpp"
#include "ringside/core/json_encoder.hpp"

namespace ringside::tools {
namespace fs = std::filesystem;
namespace {

std::string json_quote(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

std::string iso_time(std::int64_t ns) {
  char text[kIsoTimestampLength];
  write_iso_timestamp(text, ns);
  return std::string(text, kIsoTimestampLength);
}

// Milliseconds with three decimals, for JSON ages and durations.
std::string json_ms(std::int64_t ns) { return fmt::format("{:.3f}", static_cast<double>(ns) / 1e6); }

std::string json_rate(double v) { return fmt::format("{:.1f}", v); }

std::string without_path_prefix(std::string message, const fs::path& path) {
  const std::string prefix = path.string() + ": ";
  if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
  return message;
}

struct ReaderCounts {
  unsigned lossless = 0;
  unsigned lossy = 0;
  unsigned evicted = 0;
};

ReaderCounts count_readers(const shm::RingStatus& s) {
  ReaderCounts c;
  for (const shm::ReaderStatus& r : s.readers) {
    if (r.state == shm::SlotState::Evicted) {
      ++c.evicted;
    } else if (r.state == shm::SlotState::Active) {
      ++(r.kind == shm::ReaderKind::Lossless ? c.lossless : c.lossy);
    }
  }
  return c;
}

std::string readers_text(const ReaderCounts& c) {
  std::string text = fmt::format("{} lossless, {} lossy", c.lossless, c.lossy);
  if (c.evicted > 0) text += fmt::format(", {} evicted", c.evicted);
  return text;
}

std::string writer_text(const shm::RingStatus& s) {
  return fmt::format("{} {}", s.writer_pid, to_string(s.writer));
}

std::string lag_frames_text(const shm::ReaderStatus& r) {
  return r.lag_frames ? std::to_string(*r.lag_frames) : std::string("?");
}

std::string lag_time_text(const shm::ReaderStatus& r) {
  switch (r.lag_time) {
    case shm::LagTime::CaughtUp: return "0";
    case shm::LagTime::Known: return human_duration(r.lag_time_ns);
    case shm::LagTime::Overwritten: return "overwritten";
    case shm::LagTime::Unknown: return "?";
  }
  return "?";
}

std::string reader_state_text(const shm::ReaderStatus& r) {
  if (r.state != shm::SlotState::Active) return std::string(to_string(r.state));
  return r.alive ? "active" : "active, process gone";
}

const ReaderRate* rate_of(const RingRates* rates, std::uint32_t slot) {
  if (rates == nullptr) return nullptr;
  for (const ReaderRate& r : rates->readers) {
    if (r.slot == slot) return &r;
  }
  return nullptr;
}

}  // namespace

std::string human_bytes(std::uint64_t bytes) {
  constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t unit = 0;
  std::uint64_t whole = bytes;
  while (whole >= 1024 && whole % 1024 == 0 && unit + 1 < std::size(kUnits)) {
    whole /= 1024;
    ++unit;
  }
  if (whole < 10240 || unit + 1 == std::size(kUnits)) return fmt::format("{} {}", whole, kUnits[unit]);
  // Not a whole number of the next unit: one decimal.
  double value = static_cast<double>(bytes);
  unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::string human_duration(std::int64_t ns) {
  if (ns < 0) ns = 0;
  if (ns < 1'000) return fmt::format("{} ns", ns);
  if (ns < 1'000'000) return fmt::format("{:.1f} us", static_cast<double>(ns) / 1e3);
  if (ns < 1'000'000'000) return fmt::format("{:.1f} ms", static_cast<double>(ns) / 1e6);
  if (ns < 120'000'000'000) return fmt::format("{:.1f} s", static_cast<double>(ns) / 1e9);
  const std::int64_t s = ns / 1'000'000'000;
  if (s < 7200) return fmt::format("{} min {} s", s / 60, s % 60);
  return fmt::format("{} h {} min", s / 3600, (s / 60) % 60);
}

RingDirectory list_ring_directory(const fs::path& dir) {
  RingDirectory out;
  out.path = dir;
  std::error_code ec;
  out.exists = fs::is_directory(dir, ec);
  if (!out.exists) {
    if (fs::exists(dir, ec)) out.problem = "not a directory";
    return out;
  }
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name.front() != '.') names.push_back(name);
  }
  if (ec) {
    out.problem = "cannot read: " + ec.message();
    return out;
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    RingListing entry;
    entry.name = name;
    try {
      shm::check_ring_name(name);
      // Read-only, no slot, no waiting: listing never disturbs a ring.
      const shm::RingMap map = shm::open_ring(name, false, std::chrono::milliseconds{0});
      entry.status = shm::snapshot_ring(map);
    } catch (const shm::RingError& e) {
      entry.problem = without_path_prefix(e.what(), dir / name);
    }
    out.entries.push_back(std::move(entry));
  }
  return out;
}

std::string listing_text(const RingDirectory& d) {
  if (!d.problem.empty()) return fmt::format("ring directory {}: {}\n", d.path.string(), d.problem);
  if (!d.exists) {
    return fmt::format("ring directory {} does not exist: no ring has been created there (RINGSIDE_SHM_DIR sets it)\n",
                       d.path.string());
  }
  if (d.entries.empty()) return fmt::format("ring directory {} is empty: no rings\n", d.path.string());
  std::string out = fmt::format("ring directory {}: {} entr{}\n", d.path.string(), d.entries.size(),
                                d.entries.size() == 1 ? "y" : "ies");
  std::size_t width = 4;
  for (const RingListing& e : d.entries) width = std::max(width, e.name.size());
  out += fmt::format("{:<{}}  {:<18} {:>4}  {:<14} {:>9} {:>12}  {}\n", "NAME", width, "WRITER", "GEN", "BACKING",
                     "CAPACITY", "FRAMES", "READERS");
  for (const RingListing& e : d.entries) {
    if (!e.status) {
      out += fmt::format("{:<{}}  not a ring: {}\n", e.name, width, e.problem);
      continue;
    }
    const shm::RingStatus& s = *e.status;
    out += fmt::format("{:<{}}  {:<18} {:>4}  {:<14} {:>9} {:>12}  {}\n", e.name, width, writer_text(s), s.generation,
                       fmt::format("{} {}", to_string(s.backing), human_bytes(s.page_size)), human_bytes(s.capacity),
                       s.frames_published(), readers_text(count_readers(s)));
  }
  return out;
}

std::string listing_json(const RingDirectory& d) {
  std::string out = fmt::format("{{\"directory\":{},\"exists\":{}", json_quote(d.path.string()), d.exists);
  if (!d.problem.empty()) out += ",\"problem\":" + json_quote(d.problem);
  out += ",\"rings\":[";
  bool first = true;
  for (const RingListing& e : d.entries) {
    out += first ? "" : ",";
    first = false;
    if (!e.status) {
      out += fmt::format("{{\"name\":{},\"ring\":false,\"problem\":{}}}", json_quote(e.name), json_quote(e.problem));
      continue;
    }
    const shm::RingStatus& s = *e.status;
    const ReaderCounts c = count_readers(s);
    out += fmt::format(
        "{{\"name\":{},\"ring\":true,\"writer_pid\":{},\"writer_state\":\"{}\",\"writer_alive\":{},"
        "\"heartbeat_age_ms\":{},\"generation\":{},\"backing\":\"{}\",\"page_size\":{},\"capacity\":{},"
        "\"frames_published\":{},\"next_sequence\":{},\"readers\":{{\"lossless\":{},\"lossy\":{},\"evicted\":{}}}}}",
        json_quote(e.name), s.writer_pid, to_string(s.writer), s.writer_alive, json_ms(s.heartbeat_age_ns),
        s.generation, to_string(s.backing), s.page_size, s.capacity, s.frames_published(), s.next_sequence,
        c.lossless, c.lossy, c.evicted);
  }
  return out + "]}\n";
}

SymbolSummary summarize_symbols(const shm::RingMap& ring) {
  SymbolSummary out;
  if (ring.header->metadata_size == 0) return out;
  try {
    const SymbolTable table = SymbolTable::from_image(ring.metadata());
    for (const Instrument& i : table) out.tickers.push_back(i.ticker);
  } catch (const std::exception& e) {
    out.problem = std::string("metadata: ") + e.what();
  }
  return out;
}

RingRates measure_rates(const shm::RingStatus& before, const shm::RingStatus& after) {
  RingRates r;
  r.seconds = static_cast<double>(after.taken_ns - before.taken_ns) / 1e9;
  if (r.seconds <= 0) r.seconds = 1e-9;
  const bool same_generation = before.generation == after.generation;
  if (same_generation) {
    r.frames_per_s = static_cast<double>(after.next_sequence - std::min(before.next_sequence, after.next_sequence)) / r.seconds;
    r.bytes_per_s = static_cast<double>(after.write_position - std::min(before.write_position, after.write_position)) / r.seconds;
  }
  for (const shm::ReaderStatus& a : after.readers) {
    ReaderRate rate;
    rate.slot = a.slot;
    for (const shm::ReaderStatus& b : before.readers) {
      // The same reader: same slot, process and attach time (a slot is reused by others).
      if (!same_generation || b.slot != a.slot || b.pid != a.pid || b.attached_ns != a.attached_ns) continue;
      rate.bytes_per_s = static_cast<double>(a.position - std::min(a.position, b.position)) / r.seconds;
      if (a.next_sequence != 0 && b.next_sequence != 0) {
        rate.frames_per_s = static_cast<double>(a.next_sequence - std::min(a.next_sequence, b.next_sequence)) / r.seconds;
      } else if (a.next_sequence == 0 && b.next_sequence == 0) {
        rate.frames_per_s = 0;
      }
    }
    r.readers.push_back(rate);
  }
  return r;
}

std::string inspect_text(const shm::RingStatus& s, const SymbolSummary& symbols, const RingRates* rates) {
  std::string out = fmt::format("ring '{}'\n", s.name);
  const auto row = [&](std::string_view label, const std::string& value) {
    out += fmt::format("  {:<16}{}\n", label, value);
  };
  row("path", s.path.string() + (s.file != s.path ? " -> " + s.file.string() : ""));
  row("layout", fmt::format("version {}, frame alignment {}, max frame {} bytes, {} reader slots", s.layout_version,
                            s.frame_alignment, s.max_frame_length, s.reader_slots));
  row("capacity", fmt::format("{} of frames ({} bytes), file {} bytes", human_bytes(s.capacity), s.capacity, s.file_size));
  row("backing", fmt::format("{}, {} pages", s.backing == shm::Backing::Hugetlbfs ? "hugetlbfs" : "shared memory (/dev/shm)",
                             human_bytes(s.page_size)));
  row("generation", fmt::format("{}, created {}", s.generation, iso_time(s.created_ns)));
  row("writer", fmt::format("pid {}, {} ({}alive), heartbeat {} ago", s.writer_pid, to_string(s.writer),
                            s.writer_alive ? "" : "not ", human_duration(s.heartbeat_age_ns)));
  row("reader timeout", human_duration(s.reader_timeout_ns));
  if (!symbols.problem.empty()) {
    row("symbols", symbols.problem);
  } else if (symbols.tickers.empty()) {
    row("symbols", "none (no symbol table in the metadata)");
  } else {
    std::string list;
    for (std::size_t i = 0; i < symbols.tickers.size() && i < 16; ++i) {
      if (i != 0) list += ' ';
      list += symbols.tickers[i];
    }
    if (symbols.tickers.size() > 16) list += " ...";
    row("symbols", fmt::format("{}: {}", symbols.tickers.size(), list));
  }
  out += "counters\n";
  row("frames", fmt::format("{} published, next sequence {}", s.frames_published(), s.next_sequence));
  if (s.newest) {
    row("newest frame", fmt::format("seq {}, event time {}{}", s.newest->sequence, iso_time(s.newest->event_time_ns),
                                    s.newest->publish_time_ns != 0 ? ", published " + iso_time(s.newest->publish_time_ns) : ""));
  }
  row("write position", std::to_string(s.write_position));
  row("head position", s.head_position == 0 ? std::string("0 (nothing overwritten yet)")
                                             : fmt::format("{} (bytes below it are overwritten)", s.head_position));
  row("stalls", fmt::format("{} ({} waiting for lossless readers)", s.stall_count, human_duration(static_cast<std::int64_t>(s.stall_ns))));
  row("evictions", std::to_string(s.evictions));

  out += fmt::format("readers ({} of {} slots)\n", s.readers.size(), s.reader_slots);
  if (!s.readers.empty()) {
    out += fmt::format("  {:>4} {:<16} {:<8} {:>8} {:<22} {:>14} {:>10} {:>11} {:>11} {:>10}{}\n", "SLOT", "NAME", "KIND",
                       "PID", "STATE", "POSITION", "LAG", "LAG BYTES", "LAG TIME", "STALLED", rates ? "  FRAMES/S" : "");
    for (const shm::ReaderStatus& r : s.readers) {
      std::string rate;
      if (const ReaderRate* rr = rate_of(rates, r.slot); rr != nullptr) {
        rate = rr->frames_per_s ? fmt::format("  {:>9.0f}", *rr->frames_per_s) : fmt::format("  {:>9}", "?");
      }
      out += fmt::format("  {:>4} {:<16} {:<8} {:>8} {:<22} {:>14} {:>10} {:>11} {:>11} {:>10}{}\n", r.slot,
                         r.name.empty() ? "-" : r.name, to_string(r.kind), r.pid, reader_state_text(r), r.position,
                         lag_frames_text(r), r.lag_bytes, lag_time_text(r), human_duration(r.stall_caused_ns), rate);
    }
  }
  if (rates != nullptr) {
    out += fmt::format("rates over {:.3f} s\n", rates->seconds);
    row("written", fmt::format("{:.0f} frames/s, {:.3f} MB/s", rates->frames_per_s, rates->bytes_per_s / 1e6));
  }
  return out;
}

std::string inspect_json(const shm::RingStatus& s, const SymbolSummary& symbols, const RingRates* rates) {
  std::string out = fmt::format(
      "{{\"ring\":{},\"path\":{},\"file\":{},\"layout_version\":{},\"frame_alignment\":{},\"capacity\":{},"
      "\"file_size\":{},\"max_frame_length\":{},\"reader_slots\":{},\"backing\":\"{}\",\"page_size\":{},"
      "\"generation\":{},\"created\":\"{}\",\"created_ns\":{},\"reader_timeout_ms\":{}",
      json_quote(s.name), json_quote(s.path.string()), json_quote(s.file.string()), s.layout_version, s.frame_alignment,
      s.capacity, s.file_size, s.max_frame_length, s.reader_slots, to_string(s.backing), s.page_size, s.generation,
      iso_time(s.created_ns), s.created_ns, json_ms(s.reader_timeout_ns));
  out += fmt::format(",\"writer\":{{\"pid\":{},\"alive\":{},\"state\":\"{}\",\"heartbeat_age_ms\":{}}}", s.writer_pid,
                     s.writer_alive, to_string(s.writer), json_ms(s.heartbeat_age_ns));
  out += fmt::format(",\"symbols\":{{\"count\":{},\"tickers\":[", symbols.tickers.size());
  for (std::size_t i = 0; i < symbols.tickers.size(); ++i) {
    if (i != 0) out += ',';
    out += json_quote(symbols.tickers[i]);
  }
  out += "]";
  if (!symbols.problem.empty()) out += ",\"problem\":" + json_quote(symbols.problem);
  out += "}";
  out += fmt::format(
      ",\"counters\":{{\"frames_published\":{},\"next_sequence\":{},\"write_position\":{},\"head_position\":{},"
      "\"stall_ns\":{},\"stall_count\":{},\"evictions\":{}}}",
      s.frames_published(), s.next_sequence, s.write_position, s.head_position, s.stall_ns, s.stall_count, s.evictions);
  if (s.newest) {
    out += fmt::format(",\"newest_frame\":{{\"sequence\":{},\"position\":{},\"event_time\":\"{}\",\"publish_time_ns\":{}}}",
                       s.newest->sequence, s.newest->position, iso_time(s.newest->event_time_ns),
                       s.newest->publish_time_ns);
  } else {
    out += ",\"newest_frame\":null";
  }
  out += ",\"readers\":[";
  for (std::size_t i = 0; i < s.readers.size(); ++i) {
    const shm::ReaderStatus& r = s.readers[i];
    out += fmt::format(
        "{}{{\"slot\":{},\"name\":{},\"kind\":\"{}\",\"state\":\"{}\",\"pid\":{},\"alive\":{},\"attached\":\"{}\","
        "\"heartbeat_age_ms\":{},\"position\":{},\"next_sequence\":{},\"lag_frames\":{},\"lag_bytes\":{},"
        "\"lag_time\":\"{}\",\"lag_time_ms\":{},\"stall_caused_ns\":{},\"evicted_at_position\":{}",
        i ? "," : "", r.slot, json_quote(r.name), to_string(r.kind), to_string(r.state), r.pid, r.alive,
        iso_time(r.attached_ns), json_ms(r.heartbeat_age_ns), r.position, r.next_sequence,
        r.lag_frames ? std::to_string(*r.lag_frames) : "null", r.lag_bytes, to_string(r.lag_time),
        r.lag_time == shm::LagTime::Known ? json_ms(r.lag_time_ns) : r.lag_time == shm::LagTime::CaughtUp ? "0" : "null",
        r.stall_caused_ns, r.evicted_at_position);
    if (const ReaderRate* rr = rate_of(rates, r.slot); rr != nullptr) {
      out += fmt::format(",\"frames_per_s\":{},\"bytes_per_s\":{}", rr->frames_per_s ? json_rate(*rr->frames_per_s) : "null",
                         json_rate(rr->bytes_per_s));
    }
    out += "}";
  }
  out += "]";
  if (rates != nullptr) {
    out += fmt::format(",\"rates\":{{\"interval_ms\":{},\"frames_per_s\":{},\"bytes_per_s\":{},\"mb_per_s\":{:.3f}}}",
                       json_ms(static_cast<std::int64_t>(rates->seconds * 1e9)), json_rate(rates->frames_per_s),
                       json_rate(rates->bytes_per_s), rates->bytes_per_s / 1e6);
  } else {
    out += ",\"rates\":null";
  }
  return out + "}\n";
}

}  // namespace ringside::tools
