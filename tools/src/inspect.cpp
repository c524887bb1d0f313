// ringside inspect RING: the ring's header, counters, reader table (positions,
// lag in frames, bytes and time, stalls caused) and rates measured over a short
// interval. Opens the ring read-only and never registers as a reader. See tools/README.md.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "ringside/shm/ring_file.hpp"
#include "ringside/shm/ring_status.hpp"
#include "ringside/tools/commands.hpp"
#include "ringside/tools/input_error.hpp"
#include "ringside/tools/ring_status_report.hpp"

namespace ringside::tools {
namespace {

struct InspectOptions {
  std::string ring;
  bool json = false;
  unsigned interval_ms = 500;
  double wait_s = 0;
};

void run(const InspectOptions& o) {
  shm::RingMap map = [&] {
    try {
      return shm::open_ring(o.ring, /*register_slots=*/false, std::chrono::milliseconds(static_cast<std::int64_t>(o.wait_s * 1000)));
    } catch (const shm::RingError& e) {
      throw InputError(e.what());  // a missing or damaged ring is bad input: exit status 2
    }
  }();
  const SymbolSummary symbols = summarize_symbols(map);
  const shm::RingStatus first = shm::snapshot_ring(map);
  if (o.interval_ms == 0) {
    fmt::print("{}", o.json ? inspect_json(first, symbols, nullptr) : inspect_text(first, symbols, nullptr));
    return;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(o.interval_ms));
  const shm::RingStatus second = shm::snapshot_ring(map);
  const RingRates rates = measure_rates(first, second);
  fmt::print("{}", o.json ? inspect_json(second, symbols, &rates) : inspect_text(second, symbols, &rates));
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Show a ring's header, writer, counters and reader table (kind, pid, position, lag in frames, bytes "
                 "and time, stall caused) and rates over --interval. Read-only: never registers as a reader.");
  cmd->add_option("RING", o->ring, "ring name in the ring directory ($RINGSIDE_SHM_DIR)")->required();
  cmd->add_flag("--json", o->json, "one JSON object instead of text");
  cmd->add_option("--interval", o->interval_ms, "milliseconds between the two snapshots rates are measured over (0: no rates)")
      ->capture_default_str();
  cmd->add_option("--wait", o->wait_s, "seconds to wait for the ring to appear (0: fail at once)")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  cmd->callback([o] {
    run(*o);
    std::fflush(stdout);
  });
}

}  // namespace ringside::tools
