// The replayer behind `ringside replay`: a capture published into a ring of the
// recorded layout, at the recorded pacing scaled by a speed, or as fast as the
// ring takes it.
//
// The replay ring is a ring like any other: its writer assigns sequence numbers
// (from 1) and publish_time_ns at commit, so readers see a gap-free stream of
// their own and real publish latencies. Everything else in a frame, event_time_ns
// included, is as recorded.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ringside/tools/capture_range.hpp"

namespace ringside::tools {

struct ReplayOptions {
  std::vector<std::filesystem::path> files;
  std::string ring;             // empty: the recorded ring's name
  double speed = 1.0;           // 0: as fast as possible
  std::optional<CapturePoint> from;
  std::optional<CapturePoint> to;
  bool loop = false;            // start over at the end, until stopped
  std::uint64_t ring_bytes = 0;  // 0: the recorded ring's capacity
  std::string backing = "auto";  // auto, huge or shm
  std::chrono::milliseconds progress_interval{5000};  // 0: no progress lines
};

struct ReplaySummary {
  std::string ring;
  std::uint64_t generation = 0;
  std::uint64_t frames = 0;      // published
  std::uint64_t passes = 0;      // complete or partial passes over the capture
  double seconds = 0;
  std::uint64_t damaged = 0;     // stretches of the capture skipped
  std::uint64_t bytes_skipped = 0;
  std::string stopped_by;        // "end", "signal"
};

// Throws InputError for unreadable captures (CaptureReader::open), a ring held by
// a live writer, or a range with no frame in it.
ReplaySummary run_replay(const ReplayOptions& options, const std::atomic<bool>& stop);

// "1" -> 1.0, "10" -> 10.0, "0.5" -> 0.5, "max" -> 0 (no pacing). Throws InputError.
double parse_replay_speed(const std::string& text);

std::string to_json(const ReplaySummary& summary);

}  // namespace ringside::tools
