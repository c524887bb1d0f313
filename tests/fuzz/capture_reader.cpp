// Fuzzer: the capture-file reader (`ringside export`, `replay`) on arbitrary
// bytes, and the export's renderers (CSV rows, text lines, JSON) on every frame
// it returns. Input: one flags byte, then the file.
//   flags bit 0: recompute the checksums the file's structures claim (file
//                header, metadata, and each 4 KiB-aligned block header with the
//                block magic, and its payload), so mutations get past the CRC32C
//                checks and reach the parsing behind them;
//   flags bit 1: after reading, seek by sequence and by time (index blocks or
//                block headers) and read again.
// open() may refuse with InputError; nothing else may go wrong.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "fuzz_util.hpp"
#include "ringside/core/frame_check.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/tools/capture_format.hpp"
#include "ringside/tools/capture_reader.hpp"
#include "ringside/tools/crc32c.hpp"
#include "ringside/tools/event_csv.hpp"
#include "ringside/tools/event_text.hpp"

namespace {

using namespace ringside;
using namespace ringside::tools;
namespace cap = ringside::tools::capture;

constexpr int kMaxFrames = 4096;
constexpr std::size_t kAnySymbol = std::size_t{1} << 16;  // every SymbolId

template <class T>
T load(const std::vector<std::uint8_t>& b, std::size_t at) {
  T v;
  std::memcpy(&v, b.data() + at, sizeof v);
  return v;
}
template <class T>
void store(std::vector<std::uint8_t>& b, std::size_t at, const T& v) {
  std::memcpy(b.data() + at, &v, sizeof v);
}

void fix_checksums(std::vector<std::uint8_t>& file) {
  if (file.size() >= sizeof(cap::CaptureFileHeader)) {
    auto h = load<cap::CaptureFileHeader>(file, 0);
    if (h.metadata_offset <= file.size() && h.metadata_size <= file.size() - h.metadata_offset) {
      h.metadata_crc = crc32c(file.data() + h.metadata_offset, h.metadata_size);
    }
    h.header_crc = crc32c(&h, offsetof(cap::CaptureFileHeader, header_crc));
    store(file, 0, h);
  }
  for (std::size_t at = cap::kBlockAlignment; at + sizeof(cap::CaptureBlockHeader) <= file.size();
       at += cap::kBlockAlignment) {
    auto b = load<cap::CaptureBlockHeader>(file, at);
    if (b.magic != cap::kBlockMagic) continue;
    const std::size_t payload = at + sizeof b;
    if (b.payload_bytes <= file.size() - payload) b.payload_crc = crc32c(file.data() + payload, b.payload_bytes);
    b.header_crc = crc32c(&b, offsetof(cap::CaptureBlockHeader, header_crc));
    store(file, at, b);
  }
}

struct Renderers {
  explicit Renderers(const SymbolTable& s) : symbols(s), csv(s), text(&s), json(s) {}
  const SymbolTable& symbols;
  EventCsv csv;
  EventText text;
  JsonEncoder json;
};

std::unique_ptr<char[]>& csv_buffer() {
  static auto* b = new std::unique_ptr<char[]>(new char[EventCsv::kMaxRowsBytes]);
  return *b;
}

void read_frames(CaptureReader& reader) {
  std::optional<Renderers> render;
  std::size_t segment = SIZE_MAX;
  for (int i = 0; i < kMaxFrames; ++i) {
    const FrameHeader* frame = reader.next();
    if (frame == nullptr) break;
    if (reader.segment_index() != segment || !render) {
      segment = reader.segment_index();
      render.reset();
      render.emplace(reader.symbols());
    }
    // The reader's promise: only whole frames check_frame accepts, against the
    // segment's symbol table, or of any symbol when the segment has none (empty).
    const std::size_t table = reader.symbols().size();
    if (check_frame(frame, frame->length, table == 0 ? kAnySymbol : table) != FrameError::None) {
      fuzz::invariant_failed("CaptureReader returned a frame check_frame refuses");
    }
    // As `ringside tail` and `export` render it: text always; CSV and JSON for the
    // frames of symbols the table has (export skips the others and counts them).
    (void)render->text.render(*frame);
    const bool known = check_frame(frame, frame->length, table) == FrameError::None;
    if (render->json.encode(*frame).operator bool() != known) {
      fuzz::invariant_failed("JSON encoder and check_frame disagree on a frame from a capture");
    }
    if (!known) continue;
    std::size_t rows = 0;
    char* end = render->csv.write_rows(csv_buffer().get(), *frame, rows);
    if (end < csv_buffer().get() || end > csv_buffer().get() + EventCsv::kMaxRowsBytes) {
      fuzz::invariant_failed("CSV rows outside their buffer");
    }
  }
  for (const CaptureDamage& d : reader.damage()) (void)to_string(d);
  (void)reader.segments();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t flags = data[0];
  std::vector<std::uint8_t> file(data + 1, data + size);
  if (flags & 1) fix_checksums(file);
  const auto path = fuzz::scratch_dir() / "capture.rscap";
  fuzz::write_file(path, file.data(), file.size());

  CaptureReadOptions options;
  options.follow_segments = false;
  options.read_bytes = 64 * 1024;  // smaller reads: more of the read-ahead's paths on small files
  try {
    CaptureReader reader = CaptureReader::open({path}, options);
    read_frames(reader);
    if (flags & 2) {
      reader.rewind();
      read_frames(reader);
      const std::uint64_t sequence = file.size() > 8 ? load<std::uint64_t>(file, file.size() - 8) : 1;
      if (reader.seek_sequence(sequence)) read_frames(reader);
      if (reader.seek_time(static_cast<std::int64_t>(sequence))) read_frames(reader);
    }
  } catch (const InputError&) {
    // refused cleanly
  }
  return 0;
}
