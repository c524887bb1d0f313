#pragma once
namespace ringside::bench {
int run_ring_oneway(int argc, char** argv);
}  // namespace ringside::bench
