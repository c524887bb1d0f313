// ringside-bench SUBCOMMAND [options]: the benchmark suite's entry point.
#include <fmt/format.h>

#include <cstring>
#include <string_view>

#include "encoders_bench.hpp"

namespace {

struct Subcommand {
  std::string_view name;
  std::string_view help;
  int (*run)(int argc, char** argv);
};

constexpr Subcommand kSubcommands[] = {
    {"encoders", "ns per event of the JSON and FlatBuffers encoders, per type and over the realistic mix",
     ringside::bench::run_encoders},
};

void usage(std::FILE* out) {
  fmt::print(out,
             "usage: ringside-bench SUBCOMMAND [options]\n\n"
             "Each subcommand prints its results and ends with one line of JSON holding the key figures.\n\n"
             "subcommands:\n");
  for (const Subcommand& s : kSubcommands) fmt::print(out, "  {:<10} {}\n", s.name, s.help);
  fmt::print(out, "\n`ringside-bench SUBCOMMAND --help` lists a subcommand's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (const Subcommand& s : kSubcommands) {
    if (s.name == argv[1]) {
      // The subcommand sees its own name as argv[0], then its options.
      return s.run(argc - 1, argv + 1);
    }
  }
  fmt::print(stderr, "ringside-bench: unknown subcommand '{}'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
