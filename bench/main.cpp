// ringside-bench SUBCOMMAND [options]: the benchmark suite's entry point.
#include <fmt/format.h>

#include <cstring>
#include <string_view>

#include "c2c.hpp"
#include "e2e_bench.hpp"
#include "egress_bench.hpp"
#include "encoders_bench.hpp"
#include "gateway_bench.hpp"
#include "match_bench.hpp"
#include "order_rtt.hpp"
#include "proc_bench.hpp"
#include "publish_bench.hpp"
#include "ring_oneway.hpp"
#include "ring_pingpong.hpp"
#include "ring_throughput.hpp"

namespace {

struct Subcommand {
  std::string_view name;
  std::string_view help;
  int (*run)(int argc, char** argv);
};

constexpr Subcommand kSubcommands[] = {
    {"encoders", "ns per event of the JSON and FlatBuffers encoders, per type and over the realistic mix",
     ringside::bench::run_encoders},
    {"c2c", "core-to-core cache-line handoff, RTT/2 of a ping-pong between two pinned cores: the floor",
     ringside::bench::run_c2c},
    {"ring-oneway", "open-loop one-way latency writer -> reader(s) across processes, vs the c2c floor",
     ringside::bench::run_ring_oneway},
    {"ring-pingpong", "round trip across two processes: ringside rings vs boost spsc_queue, pipe, Unix socket",
     ringside::bench::run_ring_pingpong},
    {"ring-throughput", "frames/s across two processes: ringside ring vs boost spsc_queue, pipe, Unix socket",
     ringside::bench::run_ring_throughput},
    {"publish", "writer claim+fill+commit cost (rdtsc) with 0, 1 and 4 polling lossy readers",
     ringside::bench::run_publish},
    {"match", "matching engine requests/s and per-request latency on profiles P2/P3/P4, counting sink vs ring",
     ringside::bench::run_match},
    {"gateway", "ringside-gateway under N WebSocket clients: frames/s delivered, ring-to-client latency, memory",
     ringside::bench::run_gateway},
    {"egress", "ringside-egress into librdkafka's embedded cluster: msgs/s vs a raw producer, ring-to-ack latency",
     ringside::bench::run_egress},
    {"proc", "one processors job (--job NAME) at full speed on one core: input events/s over a recorded engine run",
     ringside::bench::run_proc},
    {"order-rtt", "open-loop order-entry round trip: client library -> real ringside-engine -> execution report",
     ringside::bench::run_order_rtt},
    {"e2e", "open-loop order -> engine -> live ring -> ringside-gateway -> WebSocket client, per order",
     ringside::bench::run_e2e},
};

void usage(std::FILE* out) {
  fmt::print(out,
             "usage: ringside-bench SUBCOMMAND [options]\n\n"
             "Each subcommand prints its results and ends with one line of JSON holding the key figures.\n\n"
             "subcommands:\n");
  for (const Subcommand& s : kSubcommands) fmt::print(out, "  {:<16} {}\n", s.name, s.help);
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
