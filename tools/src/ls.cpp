// ringside ls: the rings in the ring directory, each with its writer, size and
// readers; an entry that is not a ring is listed with its problem. See tools/README.md.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>

#include "ringside/shm/ring_file.hpp"
#include "ringside/tools/commands.hpp"
#include "ringside/tools/ring_status_report.hpp"

namespace ringside::tools {

void add_ls_command(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "ls", "List the rings in the ring directory ($RINGSIDE_SHM_DIR, default /dev/shm/ringside): writer pid and "
            "state, generation, backing, capacity, frames published, readers. Never attaches as a reader.");
  cmd->add_flag("--json", *json, "one JSON object instead of the table");
  cmd->callback([json] {
    const RingDirectory listing = list_ring_directory(shm::ring_directory());
    const std::string text = *json ? listing_json(listing) : listing_text(listing);
    fmt::print("{}", text);
    std::fflush(stdout);
  });
}

}  // namespace ringside::tools
