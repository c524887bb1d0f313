#include "ringside/tools/capture_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "ringside/core/frame_check.hpp"
#include "ringside/tools/capture_blocks.hpp"
#include "ringside/tools/capture_format.hpp"
#include "ringside/tools/capture_read_ahead.hpp"
#include "ringside/tools/capture_segment_files.hpp"
#include "ringside/tools/crc32c.hpp"

namespace ringside::tools {
namespace {

using namespace capture;
namespace fs = std::filesystem;

// Frames of a ring created without a symbol table name no symbols: any id passes.
constexpr std::size_t kAnySymbol = std::size_t{1} << 16;

struct ReadSegment {
  CaptureSegment opened;
  std::size_t symbol_limit = kAnySymbol;
  std::optional<std::vector<CaptureIndexEntry>> blocks;  // built on the first seek
};

enum class Skip { None, BelowSequence, BeforeTime };

}  // namespace

std::string to_string(const CaptureDamage& d) {
  return fmt::format("{}: offset {}: {} ({} bytes skipped)", d.file.string(), d.offset, d.problem, d.bytes_skipped);
}

struct CaptureReader::State {
  CaptureReadOptions options;
  std::vector<ReadSegment> segments;
  std::vector<CaptureSegmentInfo> infos;  // of segments[i]
  std::vector<CaptureDamage> damage;
  std::uint64_t bytes_skipped = 0;
  bool seen_before = false;  // after rewind(): damage found again is not new
  std::optional<CaptureReadAhead> ahead;
  CaptureFile file;
  std::size_t seg = 0;          // segment being read
  std::size_t returned_seg = 0;  // segment of the last frame returned
  std::uint64_t pos = 0;        // offset of the next block in the segment
  const std::byte* cursor = nullptr;
  std::uint32_t frames_left = 0;
  Skip skip = Skip::None;
  std::uint64_t skip_sequence = 0;
  std::int64_t skip_time = 0;
  std::uint64_t frames_read = 0;
  std::uint64_t blocks_read = 0;

  void add_damage(const fs::path& f, std::uint64_t offset, std::uint64_t bytes, std::string problem);
  void enter(std::size_t index, std::uint64_t offset);
  bool load_block();
  std::string_view check_frames(const CaptureBlockHeader& h, const std::byte* payload, std::uint64_t at,
                                std::string& problem) const;
  template <class Match>
  bool seek(Match match);
};

CaptureReader::CaptureReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
CaptureReader::CaptureReader(CaptureReader&&) noexcept = default;
CaptureReader& CaptureReader::operator=(CaptureReader&&) noexcept = default;
CaptureReader::~CaptureReader() {
  if (state_ && state_->ahead) state_->ahead->stop();
}

CaptureReader CaptureReader::open(const std::vector<fs::path>& files, const CaptureReadOptions& options) {
  auto s = std::make_unique<State>();
  s->options = options;
  CaptureSegments found = open_capture_segments(files, options.follow_segments);
  std::uint64_t max_block = 0;
  for (CaptureSegment& opened : found.segments) {
    s->infos.push_back(opened.info);
    max_block = std::max<std::uint64_t>(max_block, opened.info.max_block_bytes);
    ReadSegment seg{std::move(opened), kAnySymbol, std::nullopt};
    if (!seg.opened.symbols.empty()) seg.symbol_limit = seg.opened.symbols.size();
    s->segments.push_back(std::move(seg));
  }
  for (CaptureDamage& d : found.damage) s->add_damage(d.file, d.offset, d.bytes_skipped, std::move(d.problem));
  s->ahead.emplace(options.reads_in_flight, options.read_bytes, max_block);
  s->enter(0, s->infos[0].data_offset);
  return CaptureReader(std::move(s));
}

void CaptureReader::State::add_damage(const fs::path& f, std::uint64_t offset, std::uint64_t bytes, std::string problem) {
  if (seen_before) {
    for (const CaptureDamage& d : damage) {
      if (d.offset == offset && d.file == f) return;
    }
  }
  bytes_skipped += bytes;
  damage.push_back({f, offset, bytes, std::move(problem)});
}

void CaptureReader::State::enter(std::size_t index, std::uint64_t offset) {
  ahead->stop();
  seg = index;
  frames_left = 0;
  if (seg >= segments.size()) {
    file = CaptureFile();
    return;
  }
  const CaptureSegmentInfo& info = infos[seg];
  file = CaptureFile::open(info.file);
  // The size as it was at open(): a segment still being recorded is read up to there.
  pos = offset;
  ahead->start(file.fd(), info.file, std::min(file.size(), info.file_size), offset);
}

std::string_view CaptureReader::State::check_frames(const CaptureBlockHeader& h, const std::byte* payload,
                                                    std::uint64_t at, std::string& problem) const {
  const std::size_t limit = segments[seg].symbol_limit;
  std::uint32_t left = h.payload_bytes;
  const std::byte* p = payload;
  for (std::uint32_t i = 0; i < h.count; ++i) {
    const std::uint64_t offset = at + static_cast<std::uint64_t>(p - payload);
    if (left < sizeof(FrameHeader)) {
      problem = fmt::format("block {}: frame {} at offset {}: truncated", h.block_number, i, offset);
      return problem;
    }
    const FrameError e = check_frame(p, left, limit);
    if (e != FrameError::None) {
      problem = fmt::format("block {}: frame {} at offset {}: {}", h.block_number, i, offset, to_string(e));
      return problem;
    }
    const std::uint32_t length = reinterpret_cast<const FrameHeader*>(p)->length;
    p += length;
    left -= length;
  }
  if (left != 0) {
    problem = fmt::format("block {}: {} bytes after its {} frames", h.block_number, left, h.count);
    return problem;
  }
  return {};
}

// Loads the next verified data block into cursor/frames_left, moving on through
// segments and over damage; false at the end of the capture.
bool CaptureReader::State::load_block() {
  for (;;) {
    if (seg >= segments.size()) return false;
    const CaptureSegmentInfo& info = infos[seg];
    const std::uint64_t size = info.file_size;
    if (pos >= size) {
      enter(seg + 1, seg + 1 < infos.size() ? infos[seg + 1].data_offset : 0);
      continue;
    }
    if (size - pos < sizeof(CaptureBlockHeader)) {
      add_damage(info.file, pos, size - pos,
                 fmt::format("block header truncated: the file ends {} bytes into it (a recorder stopped mid-write)",
                             size - pos));
      pos = size;
      continue;
    }
    const auto* h = reinterpret_cast<const CaptureBlockHeader*>(ahead->view(pos, sizeof(CaptureBlockHeader)));
    if (h == nullptr) {  // the file shrank while being read
      pos = size;
      continue;
    }
    if (const std::string_view problem = block_header_problem(*h, pos, info.max_block_bytes); !problem.empty()) {
      // Resync: the next block, if any, starts at an aligned offset and names it.
      const std::string what(problem);
      std::uint64_t next = size;  // none found: the damage reaches the end of the file
      for (std::uint64_t probe_at = pos + kBlockAlignment; probe_at + sizeof(CaptureBlockHeader) <= size;
           probe_at += kBlockAlignment) {
        const auto* probe =
            reinterpret_cast<const CaptureBlockHeader*>(ahead->view(probe_at, sizeof(CaptureBlockHeader)));
        if (probe == nullptr) break;
        if (block_header_problem(*probe, probe_at, info.max_block_bytes).empty()) {
          next = probe_at;
          break;
        }
      }
      add_damage(info.file, pos, next - pos, what);
      pos = next;
      continue;
    }
    const CaptureBlockHeader header = *h;
    const std::uint64_t span = block_span(header);
    if (pos + sizeof header + header.payload_bytes > size) {
      add_damage(info.file, pos, size - pos,
                 fmt::format("block {}: truncated: the file ends {} bytes into its {}-byte payload (a recorder "
                             "stopped mid-write)",
                             header.block_number, size - pos - sizeof header, header.payload_bytes));
      pos = size;
      continue;
    }
    if (header.kind != BlockKind::Data) {  // index and trailer: for seeking, not frames
      pos += span;
      continue;
    }
    const std::byte* block = ahead->view(pos, sizeof header + header.payload_bytes);
    if (block == nullptr) {
      pos = size;
      continue;
    }
    const std::byte* payload = block + sizeof header;
    const std::uint32_t crc = crc32c(payload, header.payload_bytes);
    std::string problem;
    if (crc != header.payload_crc) {
      problem = fmt::format("block {}: payload checksum mismatch (stored {:#010x}, computed {:#010x})",
                            header.block_number, header.payload_crc, crc);
    } else {
      check_frames(header, payload, pos + sizeof header, problem);
    }
    if (!problem.empty()) {
      add_damage(info.file, pos, std::min(span, size - pos), std::move(problem));
      pos += span;
      continue;
    }
    pos += span;
    cursor = payload;
    frames_left = header.count;
    ++blocks_read;
    return true;
  }
}

const FrameHeader* CaptureReader::next() {
  State& s = *state_;
  for (;;) {
    while (s.frames_left > 0) {
      const auto* f = reinterpret_cast<const FrameHeader*>(s.cursor);
      s.cursor += f->length;
      --s.frames_left;
      if (s.skip != Skip::None) {
        if (s.skip == Skip::BelowSequence ? f->sequence < s.skip_sequence : f->event_time_ns < s.skip_time) continue;
        s.skip = Skip::None;
      }
      ++s.frames_read;
      s.returned_seg = s.seg;
      return f;
    }
    if (!s.load_block()) return nullptr;
  }
}

template <class Match>
bool CaptureReader::State::seek(Match match) {
  for (std::size_t i = 0; i < segments.size(); ++i) {
    ReadSegment& segment = segments[i];
    if (!segment.blocks) {
      const CaptureFile f = CaptureFile::open(infos[i].file);
      segment.blocks = list_data_blocks(f.fd(), infos[i], segment.opened.trailer);
    }
    for (const CaptureIndexEntry& e : *segment.blocks) {
      if (match(e)) {
        enter(i, e.offset);
        return true;
      }
    }
  }
  enter(segments.size(), 0);
  return false;
}

bool CaptureReader::seek_sequence(std::uint64_t sequence) {
  State& s = *state_;
  s.skip = Skip::BelowSequence;
  s.skip_sequence = sequence;
  return s.seek([&](const CaptureIndexEntry& e) { return e.last_sequence >= sequence; });
}

bool CaptureReader::seek_time(std::int64_t time_ns) {
  State& s = *state_;
  s.skip = Skip::BeforeTime;
  s.skip_time = time_ns;
  return s.seek([&](const CaptureIndexEntry& e) { return e.last_event_ns >= time_ns; });
}

void CaptureReader::rewind() {
  State& s = *state_;
  s.seen_before = true;
  s.skip = Skip::None;
  s.enter(0, s.infos[0].data_offset);
}

const SymbolTable& CaptureReader::symbols() const { return state_->segments[state_->returned_seg].opened.symbols; }
const CaptureSegmentInfo& CaptureReader::segment() const { return state_->infos[state_->returned_seg]; }
std::size_t CaptureReader::segment_index() const noexcept { return state_->returned_seg; }
const std::vector<CaptureSegmentInfo>& CaptureReader::segments() const noexcept { return state_->infos; }
const std::vector<CaptureDamage>& CaptureReader::damage() const noexcept { return state_->damage; }
std::uint64_t CaptureReader::bytes_skipped() const noexcept { return state_->bytes_skipped; }
std::uint64_t CaptureReader::frames_read() const noexcept { return state_->frames_read; }
std::uint64_t CaptureReader::blocks_read() const noexcept { return state_->blocks_read; }

}  // namespace ringside::tools
