// Fuzzer: a ring file of arbitrary bytes. The input is written as the ring
// "fuzz" in a private RINGSIDE_SHM_DIR; lossy and lossless readers attach to it
// (shm's public API) and read what they find, and `ringside inspect`'s snapshot
// looks at it. A bad file must be refused with RingError or read without UB,
// hang or crash; every frame a reader returns that check_frame accepts (against
// the ring's own symbol table, when its metadata holds a valid one) is encoded
// to JSON and FlatBuffers. `ringside ls` and `inspect` render what they see of it
// (text and JSON).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <stdexcept>

#include "fuzz_util.hpp"
#include "ringside/core/flatbuffers_codec.hpp"
#include "ringside/core/frame_check.hpp"
#include "ringside/core/instrument.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/shm/reader.hpp"
#include "ringside/shm/ring_file.hpp"
#include "ringside/shm/ring_status.hpp"
#include "ringside/tools/ring_status_report.hpp"

namespace {

using namespace ringside;
using namespace ringside::shm;

// Bounds on one input's work: a ring file can hold many frames.
constexpr int kMaxReads = 512;

void read_some(RingReader& reader) {
  std::optional<SymbolTable> symbols;
  try {
    symbols = SymbolTable::from_image(reader.metadata());
  } catch (const std::exception&) {
  }
  std::optional<JsonEncoder> json;
  std::optional<FlatBuffersEncoder> flatbuffers;
  if (symbols) {
    json.emplace(*symbols);
    flatbuffers.emplace(*symbols);
  }
  for (int i = 0; i < kMaxReads; ++i) {
    const ReadResult got = reader.read();
    if (got.status != ReadStatus::Frame) {
      if (got.status == ReadStatus::Empty) continue;  // liveness_check 0: every empty read looks at the writer
      break;
    }
    const FrameHeader& frame = *got.frame;
    if (!symbols) continue;
    if (check_frame(&frame, frame.length, symbols->size()) != FrameError::None) continue;
    if (!json->encode(frame)) fuzz::invariant_failed("JSON encoder refused a checked frame from a ring");
    if (!flatbuffers->encode(frame)) fuzz::invariant_failed("FlatBuffers encoder refused a checked frame from a ring");
  }
  (void)reader.writer_status();
  (void)reader.frame_intact();
}

void attach_and_read(const ReaderOptions& options) {
  try {
    RingReader reader = RingReader::attach("fuzz", options);
    read_some(reader);
  } catch (const RingError&) {
    // refused cleanly
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ::setenv("RINGSIDE_SHM_DIR", fuzz::scratch_dir().c_str(), 1);
  ::setenv("RINGSIDE_HUGE_DIR", fuzz::scratch_dir().c_str(), 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::write_file(ring_path("fuzz"), data, size);

  ReaderOptions lossy;
  lossy.kind = ReaderKind::Lossy;
  lossy.start = StartAt::Oldest;
  lossy.resume_after_lap = StartAt::Oldest;
  lossy.liveness_check = std::chrono::milliseconds{0};
  lossy.name = "fuzz-lossy";
  attach_and_read(lossy);

  lossy.start = StartAt::Newest;
  lossy.resume_after_lap = StartAt::Newest;
  lossy.register_lossy = false;
  attach_and_read(lossy);

  ReaderOptions lossless;
  lossless.kind = ReaderKind::Lossless;
  lossless.start = StartAt::Oldest;
  lossless.liveness_check = std::chrono::milliseconds{0};
  lossless.name = "fuzz-lossless";
  attach_and_read(lossless);

  // `ringside inspect`: a read-only snapshot of the same file, rendered.
  try {
    const RingMap map = open_ring("fuzz", false, std::chrono::milliseconds{0});
    const RingStatus before = snapshot_ring(map);
    const RingStatus after = snapshot_ring(map);
    const tools::SymbolSummary symbols = tools::summarize_symbols(map);
    const tools::RingRates rates = tools::measure_rates(before, after);
    (void)tools::inspect_text(after, symbols, &rates);
    (void)tools::inspect_json(after, symbols, nullptr);
  } catch (const RingError&) {
  }
  // `ringside ls`: the directory listing with this ring in it.
  const tools::RingDirectory listing = tools::list_ring_directory(ring_directory());
  (void)tools::listing_text(listing);
  (void)tools::listing_json(listing);
  return 0;
}
