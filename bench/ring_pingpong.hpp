#pragma once
namespace ringside::bench {
int run_ring_pingpong(int argc, char** argv);
}  // namespace ringside::bench
