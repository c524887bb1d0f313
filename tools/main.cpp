// ringside: the operator's tool. Each subcommand lives in tools/src/ and is
// registered here; see tools/README.md.
#include <fmt/format.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <exception>

#include "ringside/tools/commands.hpp"
#include "ringside/tools/input_error.hpp"

int main(int argc, char** argv) {
  // Logs (the shm library's ring messages) go to stderr: stdout is the command's output.
  spdlog::set_default_logger(spdlog::stderr_color_mt("ringside"));
  CLI::App app{"ringside: the operator's tool for the ringside exchange."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ringside 0.1.0");
  ringside::tools::add_import_lobster_command(app);
  ringside::tools::add_orders_command(app);
  ringside::tools::add_ls_command(app);
  ringside::tools::add_inspect_command(app);
  ringside::tools::add_tail_command(app);
  ringside::tools::add_export_command(app);
  ringside::tools::add_record_command(app);
  ringside::tools::add_replay_command(app);
  ringside::tools::add_kafka_mock_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const ringside::tools::InputError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return ringside::tools::kExitInputError;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ringside: {}\n", e.what());
    return ringside::tools::kExitFailure;
  }
  return 0;
}
