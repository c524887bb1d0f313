// ringside record RING FILE: a lossless reader of a ring writing a capture file
// with io_uring. See tools/README.md, "Captures: record and replay".
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "ringside/tools/capture_recorder.hpp"
#include "ringside/tools/capture_signals.hpp"
#include "ringside/tools/commands.hpp"

namespace ringside::tools {
namespace {

struct RecordArgs {
  RecorderOptions options;
  std::string file;
  std::string from = "oldest";
  std::uint64_t max_size = 0;
  std::uint64_t block_size = 1u << 20;
  std::uint32_t flush_ms = 100;
  double progress_s = 5;
};

void run(RecordArgs& a) {
  a.options.capture.file = a.file;
  a.options.capture.max_segment_bytes = a.max_size;
  a.options.capture.block_bytes = static_cast<std::uint32_t>(std::min<std::uint64_t>(a.block_size, 1ull << 31));
  a.options.from_newest = a.from == "newest";
  a.options.flush_interval = std::chrono::milliseconds(a.flush_ms);
  a.options.progress_interval = std::chrono::milliseconds(static_cast<std::int64_t>(a.progress_s * 1000));
  const RecorderSummary summary = run_recorder(a.options, install_stop_signals());
  std::printf("%s\n", to_json(summary, a.options).c_str());
  std::fflush(stdout);
}

}  // namespace

void add_record_command(CLI::App& app) {
  auto a = std::make_shared<RecordArgs>();
  CLI::App* cmd = app.add_subcommand(
      "record",
      "Record a ring to a capture file, losslessly (io_uring). Rotates into FILE.0001, FILE.0002 ... with "
      "--max-size and at every writer restart; SIGINT/SIGTERM close the capture cleanly. Ends with one JSON line.");
  cmd->add_option("ring", a->options.ring, "name of the ring in $RINGSIDE_SHM_DIR (default /dev/shm/ringside)")->required();
  cmd->add_option("file", a->file, "capture file to write")->required();
  cmd->add_option("--max-size", a->max_size, "rotate into a new numbered segment past this size (e.g. 1GiB; 0: never)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  cmd->add_option("--block-size", a->block_size, "bytes of one block: a multiple of 4096, 8 KiB to 16 MiB")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  cmd->add_option("--buffers", a->options.capture.buffers, "block buffers (blocks filled or in flight at once)")
      ->check(CLI::Range(2u, 1024u))
      ->capture_default_str();
  cmd->add_option("--from", a->from, "where to start in the ring: oldest (every frame still there) or newest")
      ->check(CLI::IsMember({"oldest", "newest"}))
      ->capture_default_str();
  cmd->add_flag("--wait", a->options.wait_for_ring, "wait for the ring to appear instead of failing");
  cmd->add_flag("--until-writer-stops", a->options.until_writer_stops,
                "stop when the ring's writer closes or dies (default: wait for its next generation)");
  cmd->add_option("--flush-interval", a->flush_ms, "ms a partly filled block may wait before it is written")
      ->check(CLI::Range(1u, 60'000u))
      ->capture_default_str();
  cmd->add_option("--progress-interval", a->progress_s, "seconds between progress lines on stderr (0: none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--overwrite", a->options.capture.overwrite, "replace FILE and its numbered segments if they exist");
  cmd->callback([a] { run(*a); });
}

}  // namespace ringside::tools
