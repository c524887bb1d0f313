#pragma once
namespace ringside::bench {
int run_ring_throughput(int argc, char** argv);
}  // namespace ringside::bench
