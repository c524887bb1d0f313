// ringside replay FILE...: a capture published into a ring at the recorded
// pacing, scaled. See tools/README.md, "Captures: record and replay".
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "ringside/tools/capture_replayer.hpp"
#include "ringside/tools/capture_signals.hpp"
#include "ringside/tools/commands.hpp"

namespace ringside::tools {
namespace {

struct ReplayArgs {
  ReplayOptions options;
  std::vector<std::string> files;
  std::string speed = "1";
  std::string from;
  std::string to;
  std::uint64_t ring_mib = 0;
  double progress_s = 5;
};

void run(ReplayArgs& a) {
  a.options.files.assign(a.files.begin(), a.files.end());
  a.options.speed = parse_replay_speed(a.speed);
  if (!a.from.empty()) a.options.from = parse_capture_point(a.from, "--from");
  if (!a.to.empty()) a.options.to = parse_capture_point(a.to, "--to");
  a.options.ring_bytes = a.ring_mib << 20;
  a.options.progress_interval = std::chrono::milliseconds(static_cast<std::int64_t>(a.progress_s * 1000));
  const ReplaySummary summary = run_replay(a.options, install_stop_signals());
  std::printf("%s\n", to_json(summary).c_str());
  std::fflush(stdout);
}

}  // namespace

void add_replay_command(CLI::App& app) {
  auto a = std::make_shared<ReplayArgs>();
  CLI::App* cmd = app.add_subcommand(
      "replay",
      "Publish a capture into a ring with the recorded symbol table, at the recorded pacing scaled by --speed. "
      "The ring numbers the frames itself (sequence from 1, publish time at commit); event times are kept. "
      "Ends with one JSON line.");
  cmd->add_option("files", a->files, "the capture: FILE (its numbered segments follow), or several files in order")
      ->required();
  cmd->add_option("--ring", a->options.ring, "ring to create (default: the recorded ring's name)");
  cmd->add_option("--speed", a->speed, "1: recorded pacing, N: N times faster, max: as fast as possible")
      ->capture_default_str();
  cmd->add_option("--from", a->from, "start at this sequence number or UTC time (2026-02-18T14:30:00Z), inclusive");
  cmd->add_option("--to", a->to, "stop after this sequence number or UTC time, inclusive");
  cmd->add_flag("--loop", a->options.loop, "start over at the end, until SIGINT/SIGTERM");
  cmd->add_option("--ring-mib", a->ring_mib, "ring data size in MiB (default: the recorded ring's)");
  cmd->add_option("--backing", a->options.backing, "ring backing: auto (hugetlbfs when pages are free), huge or shm")
      ->check(CLI::IsMember({"auto", "huge", "shm"}))
      ->capture_default_str();
  cmd->add_option("--progress-interval", a->progress_s, "seconds between progress lines on stderr (0: none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->callback([a] { run(*a); });
}

}  // namespace ringside::tools
