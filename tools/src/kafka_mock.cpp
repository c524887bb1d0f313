// `ringside kafka-mock ARGS...` runs ringside-kafka-mock (kafka-egress/) with
// ARGS: the broker lives with the egress, and the tools depend only on core and
// shm, so the command is a hand-over to the sibling binary, as git does it.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ringside/tools/commands.hpp"
#include "ringside/tools/input_error.hpp"

namespace ringside::tools {

void add_kafka_mock_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "kafka-mock",
      "an embedded Kafka cluster on loopback for any client (runs ringside-kafka-mock; `ringside kafka-mock "
      "--help` for its options)");
  cmd->prefix_command();  // everything after the name goes to ringside-kafka-mock, --help included
  cmd->set_help_flag();
  cmd->callback([cmd] {
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    const std::filesystem::path program =
        (ec ? std::filesystem::path("ringside-kafka-mock") : self.parent_path() / "ringside-kafka-mock");
    std::vector<std::string> args{program.string()};
    for (const auto& a : cmd->remaining()) args.push_back(a);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    throw InputError(program.string() + ": cannot run it (" + std::strerror(errno) +
                     "); build the kafka-egress component");
  });
}

}  // namespace ringside::tools
