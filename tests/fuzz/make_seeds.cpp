// fuzz-seeds OUT_DIR: writes the binary seed inputs of the fuzzers that read
// binary files, made with the project's own writers, into OUT_DIR/<fuzzer>/:
//   ring_attach     ring files written by RingWriter (small, lapped, closed)
//   capture_reader  captures written by CaptureWriter (flags byte 0 and 3 first)
//   frame_decode    one frame of each event type, and its FlatBuffers message
// tests/fuzz/corpus holds its output; run it again after a format change.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ringside/core/embedded_config.hpp"
#include "ringside/core/events.hpp"
#include "ringside/core/flatbuffers_codec.hpp"
#include "ringside/core/sample_events.hpp"
#include "ringside/shm/ring_file.hpp"
#include "ringside/shm/writer.hpp"
#include "ringside/tools/capture_writer.hpp"

namespace fs = std::filesystem;
using namespace ringside;

namespace {

void write(const fs::path& file, const void* data, std::size_t size, const std::string& prefix = {}) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(prefix.data(), static_cast<std::streamsize>(prefix.size()));
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) {
    std::fprintf(stderr, "%s: cannot write\n", file.c_str());
    std::exit(1);
  }
}

std::vector<char> slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void ring_seed(const fs::path& out, const std::string& name, const SymbolTable& symbols, int frames, bool close) {
  shm::CreateOptions options;
  options.capacity = 0;  // the smallest ring
  options.backing = shm::BackingChoice::SharedMemory;
  options.metadata = symbols.to_image();
  options.lock_memory = false;
  options.bind_numa = false;
  const auto image = symbols.to_image();
  options.metadata = image;
  std::vector<char> bytes;
  {
    shm::RingWriter writer = shm::RingWriter::create(name, options);
    SampleEvents sample(symbols, 42, 1'771'425'000'000'000'000);
    for (int i = 0; i < frames; ++i) writer.publish(sample.next());
    if (!close) bytes = slurp(shm::ring_path(name));
  }
  if (close) bytes = slurp(shm::ring_path(name));
  write(out / "ring_attach" / name, bytes.data(), bytes.size());
}

void capture_seed(const fs::path& out, const fs::path& scratch, const std::string& name, const SymbolTable& symbols,
                  int frames, std::uint32_t index_every) {
  const fs::path file = scratch / name;
  {
    tools::CaptureWriterOptions options;
    options.file = file;
    options.block_bytes = 8192;
    options.buffers = 2;
    options.index_every = index_every;
    options.overwrite = true;
    tools::CaptureWriter writer(options);
    tools::CaptureRingInfo ring;
    ring.ring_name = "events";
    ring.generation = 1;
    ring.ring_capacity = 1 << 16;
    ring.max_frame_length = static_cast<std::uint32_t>(kMaxFrameLength);
    ring.ring_created_ns = 1'771'425'000'000'000'000;
    ring.metadata = symbols.to_image();
    writer.start_segment(ring);
    SampleEvents sample(symbols, 7, 1'771'425'000'000'000'000);
    for (int i = 0; i < frames; ++i) writer.append(sample.next());
    writer.close();
  }
  const std::vector<char> bytes = slurp(file);
  write(out / "capture_reader" / (name + "-f0"), bytes.data(), bytes.size(), std::string(1, '\0'));
  write(out / "capture_reader" / (name + "-f3"), bytes.data(), bytes.size(), std::string(1, '\3'));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz-seeds OUT_DIR\n");
    return 2;
  }
  const fs::path out = argv[1];
  const fs::path scratch = fs::temp_directory_path() / ("ringside-fuzz-seeds-" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  ::setenv("RINGSIDE_SHM_DIR", scratch.c_str(), 1);
  const ExchangeConfig config = embedded_test_config();
  const SymbolTable& symbols = config.symbols;

  ring_seed(out, "empty", symbols, 0, false);
  ring_seed(out, "few", symbols, 12, false);
  ring_seed(out, "lapped", symbols, 600, false);
  ring_seed(out, "closed", symbols, 30, true);

  capture_seed(out, scratch, "small.rscap", symbols, 20, 64);
  capture_seed(out, scratch, "indexed.rscap", symbols, 120, 1);

  SampleEvents sample(symbols, 3, 1'771'425'000'000'000'000);
  sample.set_extremes(true);
  FlatBuffersEncoder flatbuffers(symbols);
  for (const EventType type : kAllEventTypes) {
    const FrameHeader& frame = sample.make(type);
    const std::string type_name(to_string(type));
    write(out / "frame_decode" / (type_name + ".frame"), &frame, frame.length);
    const Encoded fb = flatbuffers.encode(frame);
    if (!fb) {
      std::fprintf(stderr, "FlatBuffers encoding of %s failed\n", type_name.c_str());
      return 1;
    }
    write(out / "frame_decode" / (type_name + ".fb"), fb.bytes.data(), fb.bytes.size());
  }
  fs::remove_all(scratch);
  return 0;
}
