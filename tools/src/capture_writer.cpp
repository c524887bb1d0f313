#include "ringside/tools/capture_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "ringside/shm/ring_file.hpp"
#include "ringside/tools/capture_blocks.hpp"
#include "ringside/tools/capture_format.hpp"
#include "ringside/tools/capture_header.hpp"
#include "ringside/tools/capture_segment_files.hpp"
#include "ringside/tools/capture_write_queue.hpp"
#include "ringside/tools/input_error.hpp"

namespace ringside::tools {
namespace {

using namespace capture;
namespace fs = std::filesystem;

constexpr std::uint32_t kMinBlockBytes = 8192;

// The segment being written: where blocks go and what its index and trailer will say.
struct WrittenSegment {
  std::uint32_t file = 0;  // in the write queue
  fs::path path;
  std::uint64_t size = 0;        // where the next block goes
  std::uint64_t next_block = 0;  // block_number of the next block
  CaptureTrailer totals{};
  std::vector<CaptureIndexEntry> pending_index;  // data blocks since the last index block
  std::vector<std::uint64_t> index_offsets;
};

}  // namespace

struct CaptureWriter::State {
  CaptureWriterOptions options;
  CaptureWriteQueue queue;
  std::optional<WrittenSegment> current;
  CaptureRingInfo ring;
  std::uint64_t capture_id = 0;
  std::uint32_t next_segment_number = 0;
  std::uint32_t index_every = 0;
  std::uint32_t max_trailer_entries = 0;
  // The block being filled: none after seal(), so the next append() takes a buffer.
  std::byte* filling = nullptr;
  CaptureBlockHeader* header = nullptr;
  std::byte* payload = nullptr;
  std::uint32_t fill = 0;
  std::uint32_t room = 0;
  CaptureWriterStats stats;
  bool closed = false;

  explicit State(CaptureWriterOptions o)
      : options(std::move(o)), queue(options.buffers, options.block_bytes, options.while_waiting) {}

  void start_filling();
  void seal();
  void submit(std::byte* block, std::uint32_t length);
  void write_index();
  void finish();
  void open_segment();
};

CaptureWriter::CaptureWriter(CaptureWriterOptions options) {
  if (options.block_bytes < kMinBlockBytes || options.block_bytes > kMaxBlockBytes ||
      options.block_bytes % kBlockAlignment != 0) {
    throw InputError("block size " + std::to_string(options.block_bytes) +
                     ": must be a multiple of 4096 from 8 KiB to 16 MiB");
  }
  if (options.buffers < 2) throw InputError("at least 2 block buffers");
  prepare_capture_files(options.file, options.overwrite);
  state_ = std::make_unique<State>(std::move(options));
  State& s = *state_;
  const auto payload = static_cast<std::uint32_t>(s.options.block_bytes - sizeof(CaptureBlockHeader));
  s.index_every = std::clamp<std::uint32_t>(s.options.index_every, 1, payload / sizeof(CaptureIndexEntry));
  s.max_trailer_entries =
      static_cast<std::uint32_t>((payload - sizeof(CaptureTrailer) - sizeof(CaptureTail)) / sizeof(std::uint64_t));
  // Unique enough to tell two recordings to the same FILE apart.
  s.capture_id = (static_cast<std::uint64_t>(shm::realtime_ns()) * std::uint64_t{0x9E3779B97F4A7C15}) ^
                 static_cast<std::uint64_t>(::getpid());
}

CaptureWriter::CaptureWriter(CaptureWriter&&) noexcept = default;
CaptureWriter& CaptureWriter::operator=(CaptureWriter&&) noexcept = default;

CaptureWriter::~CaptureWriter() {
  if (!state_ || state_->closed) return;
  try {
    close();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "record: closing the capture: %s\n", e.what());
  }
}

std::uint32_t CaptureWriter::block_payload_room() const noexcept {
  return state_->options.block_bytes - static_cast<std::uint32_t>(sizeof(CaptureBlockHeader));
}
bool CaptureWriter::has_unsealed_frames() const noexcept { return state_->filling != nullptr && state_->header->count > 0; }
const CaptureWriterStats& CaptureWriter::stats() const noexcept {
  state_->stats.buffer_waits = state_->queue.waits();
  state_->stats.buffer_wait_ns = state_->queue.wait_ns();
  return state_->stats;
}
fs::path CaptureWriter::current_file() const { return state_->current ? state_->current->path : fs::path{}; }

void CaptureWriter::start_segment(const CaptureRingInfo& ring) {
  State& s = *state_;
  if (s.closed) throw std::logic_error("capture writer: start_segment after close");
  s.seal();
  if (s.current) s.finish();
  s.ring = ring;
  s.open_segment();
}

void CaptureWriter::append(const FrameHeader& frame) {
  std::memcpy(reserve(frame.length), &frame, frame.length);
  add_reserved();
}

std::byte* CaptureWriter::reserve(std::uint32_t length) {
  State& s = *state_;
  if (s.fill + length > s.room) {
    s.seal();
    s.start_filling();
  }
  return s.payload + s.fill;
}

void CaptureWriter::add_reserved() {
  State& s = *state_;
  FrameHeader frame;
  std::memcpy(&frame, s.payload + s.fill, sizeof frame);
  CaptureBlockHeader& h = *s.header;
  if (h.count == 0) {
    h.first_sequence = frame.sequence;
    h.first_event_ns = frame.event_time_ns;
    h.first_publish_ns = frame.publish_time_ns;
  }
  h.last_sequence = frame.sequence;
  h.last_event_ns = frame.event_time_ns;
  h.last_publish_ns = frame.publish_time_ns;
  ++h.count;
  s.fill += frame.length;
  ++s.stats.frames;
  s.stats.frame_bytes += frame.length;
}

void CaptureWriter::seal() { state_->seal(); }
void CaptureWriter::poll() { state_->queue.poll(); }

void CaptureWriter::close() {
  State& s = *state_;
  if (s.closed) return;
  s.closed = true;
  s.seal();
  if (s.current) s.finish();
  if (s.filling != nullptr) s.queue.release(s.filling);
  s.filling = nullptr;
  s.queue.drain();
}

// --- State ------------------------------------------------------------------

void CaptureWriter::State::start_filling() {
  filling = queue.acquire();
  header = reinterpret_cast<CaptureBlockHeader*>(filling);
  std::memset(header, 0, sizeof *header);
  payload = filling + sizeof(CaptureBlockHeader);
  fill = 0;
  room = options.block_bytes - static_cast<std::uint32_t>(sizeof(CaptureBlockHeader));
}

void CaptureWriter::State::submit(std::byte* block, std::uint32_t length) {
  queue.write(block, length, current->file, current->size);
  current->size += length;
  stats.file_bytes += length;
}

void CaptureWriter::State::seal() {
  if (filling == nullptr || header->count == 0 || !current) return;
  // Rotation: the segment keeps room for this block, an index block and the trailer.
  const std::uint64_t index_bytes = align_block(sizeof(CaptureBlockHeader) + index_every * sizeof(CaptureIndexEntry));
  const std::uint64_t trailer_bytes = align_block(sizeof(CaptureBlockHeader) + sizeof(CaptureTrailer) +
                                                  sizeof(CaptureTail) +
                                                  (current->index_offsets.size() + 2) * sizeof(std::uint64_t));
  const std::uint64_t reserve = align_block(sizeof(CaptureBlockHeader) + fill) + 2 * index_bytes + trailer_bytes;
  const bool over_size = options.max_segment_bytes != 0 && current->size + reserve > options.max_segment_bytes;
  const bool trailer_full = current->index_offsets.size() + 2 >= max_trailer_entries;
  if ((over_size || trailer_full) && current->totals.data_blocks > 0) {
    finish();
    open_segment();
  }
  WrittenSegment& seg = *current;
  const CaptureBlockHeader& h = *header;
  const std::uint64_t offset = seg.size;
  const std::uint32_t length = seal_block(filling, BlockKind::Data, seg.next_block++, offset, fill);
  CaptureTrailer& t = seg.totals;
  if (t.data_blocks == 0) {
    t.first_sequence = h.first_sequence;
    t.first_event_ns = h.first_event_ns;
  }
  t.last_sequence = h.last_sequence;
  t.last_event_ns = h.last_event_ns;
  t.frames += h.count;
  ++t.data_blocks;
  seg.pending_index.push_back(
      {offset, h.first_sequence, h.last_sequence, h.first_event_ns, h.last_event_ns, h.count, length});
  ++stats.data_blocks;
  submit(filling, length);
  filling = nullptr;
  header = nullptr;
  payload = nullptr;
  fill = room = 0;
  if (seg.pending_index.size() >= index_every) write_index();
}

void CaptureWriter::State::write_index() {
  WrittenSegment& seg = *current;
  if (seg.pending_index.empty()) return;
  std::byte* block = queue.acquire();
  auto& h = *reinterpret_cast<CaptureBlockHeader*>(block);
  std::memset(&h, 0, sizeof h);
  const auto bytes = static_cast<std::uint32_t>(seg.pending_index.size() * sizeof(CaptureIndexEntry));
  std::memcpy(block + sizeof h, seg.pending_index.data(), bytes);
  h.count = static_cast<std::uint32_t>(seg.pending_index.size());
  h.first_sequence = seg.pending_index.front().first_sequence;
  h.last_sequence = seg.pending_index.back().last_sequence;
  h.first_event_ns = seg.pending_index.front().first_event_ns;
  h.last_event_ns = seg.pending_index.back().last_event_ns;
  const std::uint64_t offset = seg.size;
  const std::uint32_t length = seal_block(block, BlockKind::Index, seg.next_block++, offset, bytes);
  seg.index_offsets.push_back(offset);
  seg.pending_index.clear();
  ++stats.index_blocks;
  submit(block, length);
}

// An index block for the last data blocks, then the trailer; the write queue
// fsyncs and closes the file once every write of it has landed.
void CaptureWriter::State::finish() {
  write_index();
  WrittenSegment& seg = *current;
  std::byte* block = queue.acquire();
  auto& h = *reinterpret_cast<CaptureBlockHeader*>(block);
  std::memset(&h, 0, sizeof h);
  CaptureTrailer& t = seg.totals;
  t.index_blocks = seg.index_offsets.size();
  t.end_time_ns = shm::realtime_ns();
  const std::size_t offsets = seg.index_offsets.size() * sizeof(std::uint64_t);
  std::memcpy(block + sizeof h, &t, sizeof t);
  std::memcpy(block + sizeof h + sizeof t, seg.index_offsets.data(), offsets);
  h.count = static_cast<std::uint32_t>(seg.index_offsets.size());
  h.first_sequence = t.first_sequence;
  h.last_sequence = t.last_sequence;
  h.first_event_ns = t.first_event_ns;
  h.last_event_ns = t.last_event_ns;
  const std::uint32_t length =
      seal_block(block, BlockKind::Trailer, seg.next_block++, seg.size, static_cast<std::uint32_t>(sizeof t + offsets));
  submit(block, length);
  queue.finish_file(seg.file);
  current.reset();
}

void CaptureWriter::State::open_segment() {
  WrittenSegment seg;
  const std::uint32_t number = next_segment_number++;
  seg.path = segment_path(options.file, number);
  const std::vector<std::byte> head = build_segment_header(ring, capture_id, number, options.block_bytes);
  seg.file = queue.add_file(create_segment_file(seg.path, head), seg.path);
  seg.size = head.size();
  seg.pending_index.reserve(index_every);
  // Enough for 256 GiB of 1 MiB blocks: no allocation while recording below that.
  seg.index_offsets.reserve(std::min<std::uint32_t>(max_trailer_entries, 4096));
  stats.file_bytes += head.size();
  ++stats.segments;
  current = std::move(seg);
}

}  // namespace ringside::tools
