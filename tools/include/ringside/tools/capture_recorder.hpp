// The recorder behind `ringside record`: a lossless reader of a ring that copies
// every frame into a CaptureWriter, follows the ring across writer restarts (a new
// generation starts a new segment) and stops cleanly when asked.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "ringside/tools/capture_writer.hpp"

namespace ringside::tools {

struct RecorderOptions {
  std::string ring;
  CaptureWriterOptions capture;
  bool from_newest = false;         // start at the newest frame instead of the oldest still in the ring
  bool wait_for_ring = false;       // wait for the ring to appear instead of refusing
  bool until_writer_stops = false;  // stop when the writer closes or dies (else wait for its next generation)
  std::chrono::milliseconds flush_interval{100};     // a partly filled block waits at most this long
  std::chrono::milliseconds progress_interval{5000};  // 0: no progress lines on stderr
};

struct RecorderSummary {
  CaptureWriterStats capture;
  std::uint64_t generations = 0;      // writer generations recorded
  double seconds = 0;
  std::uint64_t stall_caused_ns = 0;  // the ring writer's wait on this recorder (its slot's count)
  std::uint64_t writer_stall_ns = 0;  // the ring writer's wait on all lossless readers (header)
  std::uint64_t evictions = 0;        // times the writer evicted this recorder
  std::uint64_t missed = 0;           // frames lost by evictions (never otherwise)
  std::string stopped_by;             // "signal", "writer closed", "writer dead"
};

// Records until `stop` is set (SIGINT/SIGTERM) or, with until_writer_stops, the
// writer is gone; closes the capture cleanly either way. Throws InputError for a
// missing ring (without wait_for_ring), a bad ring name or an existing FILE.
RecorderSummary run_recorder(const RecorderOptions& options, const std::atomic<bool>& stop);

// One line of JSON: {"command":"record","frames":...,"stall_caused_ns":...}.
std::string to_json(const RecorderSummary& summary, const RecorderOptions& options);

}  // namespace ringside::tools
