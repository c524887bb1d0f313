#pragma once
namespace ringside::bench {
int run_publish(int argc, char** argv);
}  // namespace ringside::bench
