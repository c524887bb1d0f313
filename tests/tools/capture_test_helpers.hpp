// Shared by the capture, record and replay tests: captures of checkable frames
// written in the test process, reading them back, and the `ringside` binary run
// as a real process with every wait bounded.
//
// The frames are ring-test-driver's (tests/shm/test_frames.hpp): every byte
// derives from the frame's sequence, so a frame read back is checked whole.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "ringside/tools/capture_reader.hpp"
#include "ringside/tools/capture_writer.hpp"
#include "shm/process.hpp"
#include "shm/test_frames.hpp"

namespace ringside::tools::capture_test {

namespace fs = std::filesystem;
using shm::test::Child;
using shm::test::FrameMix;
using shm::test::scaled;
using namespace std::chrono_literals;

inline const std::string kRingsideBin = std::string(RINGSIDE_BIN_DIR) + "/ringside";
inline const std::string kEngineBin = std::string(RINGSIDE_BIN_DIR) + "/ringside-engine";

// The frame ring-test-driver publishes as `seq` (sequence set, publish time `publish_ns`).
struct TestFrame {
  alignas(8) std::byte bytes[shm::test::kLargeFrame];
  const FrameHeader& header() const { return *reinterpret_cast<const FrameHeader*>(bytes); }
};
inline TestFrame test_frame(std::uint64_t seq, FrameMix mix = FrameMix::Mixed, std::int64_t publish_ns = 0) {
  TestFrame f{};
  shm::test::fill_frame(f.bytes, shm::test::frame_length(mix, seq), seq);
  auto& h = *reinterpret_cast<FrameHeader*>(f.bytes);
  h.sequence = seq;
  h.publish_time_ns = publish_ns;
  return f;
}

inline CaptureRingInfo test_ring_info(std::uint64_t generation = 1) {
  CaptureRingInfo info;
  info.ring_name = "drv";
  info.generation = generation;
  info.ring_capacity = 1 << 20;
  info.max_frame_length = 2096;
  info.ring_created_ns = 1'700'000'000'000'000'000;
  return info;  // no metadata, as ring-test-driver's rings
}

// Small blocks, so a few thousand frames make many blocks.
inline CaptureWriterOptions small_blocks(const fs::path& file, std::uint64_t max_segment_bytes = 0) {
  CaptureWriterOptions o;
  o.file = file;
  o.block_bytes = 8192;
  o.buffers = 4;
  o.index_every = 4;
  o.max_segment_bytes = max_segment_bytes;
  return o;
}

// Frames first..last (driver frames, publish time = seq * publish_step_ns) into one segment.
inline void write_frames(CaptureWriter& w, std::uint64_t first, std::uint64_t last, std::int64_t publish_step_ns = 0) {
  for (std::uint64_t seq = first; seq <= last; ++seq) {
    w.append(test_frame(seq, FrameMix::Mixed, static_cast<std::int64_t>(seq) * publish_step_ns).header());
  }
}

// Everything next() returns, each frame checked against the driver's contents.
struct ReadBack {
  std::vector<std::uint64_t> sequences;
  std::vector<std::uint64_t> generations;  // of each frame's segment
  std::uint64_t bad_frames = 0;
  std::string first_problem;
};
inline ReadBack read_all(CaptureReader& r) {
  ReadBack out;
  while (const FrameHeader* f = r.next()) {
    out.sequences.push_back(f->sequence);
    out.generations.push_back(r.segment().generation);
    // The driver's frames have publish time 0; the captures written here may stamp one.
    TestFrame copy{};
    std::memcpy(copy.bytes, f, std::min<std::size_t>(f->length, sizeof copy.bytes));
    reinterpret_cast<FrameHeader*>(copy.bytes)->publish_time_ns = 0;
    if (std::string problem = shm::test::check_frame(copy.header(), FrameMix::Mixed); !problem.empty()) {
      if (out.bad_frames++ == 0) out.first_problem = problem;
    }
  }
  return out;
}

// first, first+1, ..., last
inline std::vector<std::uint64_t> run_of(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> v;
  for (std::uint64_t s = first; s <= last; ++s) v.push_back(s);
  return v;
}

inline std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// `ringside ARGS...` as a child process, stderr merged into its captured stdout
// (exec keeps the pid, so signals reach ringside itself).
inline Child start_ringside(const std::vector<std::string>& args) {
  std::string command = "exec " + shell_quoted(kRingsideBin);
  for (const std::string& a : args) {
    command.push_back(' ');
    command.append(shell_quoted(a));
  }
  command.append(" 2>&1");
  const std::vector<std::string> sh_args{"-c", command};
  return Child::spawn("/bin/sh", sh_args);
}

struct Finished {
  int status = -1;  // exit status; -1 when killed by a signal or still running at the timeout
  std::string out;  // stdout and stderr
};
inline Finished finish(Child& c, std::chrono::milliseconds timeout = 60s) {
  Finished f;
  const std::optional<int> status = c.wait_exit(scaled(timeout));
  if (!status) {
    ADD_FAILURE() << "ringside still running after " << timeout.count() << " ms; output:\n" << c.output();
    c.kill_and_reap();
  } else if (WIFEXITED(*status)) {
    f.status = WEXITSTATUS(*status);
  }
  f.out = c.output();
  return f;
}
inline Finished run_ringside(const std::vector<std::string>& args, std::chrono::milliseconds timeout = 60s) {
  Child c = start_ringside(args);
  return finish(c, timeout);
}

// The summary line a command ends with: {"command":"NAME",...}.
inline nlohmann::json summary_of(const std::string& output, const std::string& command) {
  std::size_t start = 0;
  nlohmann::json found;
  while (start < output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    const std::string line = output.substr(start, end - start);
    if (line.rfind("{\"command\":\"" + command + "\"", 0) == 0) found = nlohmann::json::parse(line, nullptr, false);
    start = end + 1;
  }
  EXPECT_TRUE(found.is_object()) << "no " << command << " summary in:\n" << output;
  return found.is_object() ? found : nlohmann::json::object();
}

inline void flip_byte(const fs::path& file, std::uint64_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

inline void write_file(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
}

inline std::string read_file(const fs::path& file) {
  std::string bytes(fs::file_size(file), '\0');
  std::ifstream(file, std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

}  // namespace ringside::tools::capture_test
