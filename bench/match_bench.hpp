#pragma once
namespace ringside::bench {
int run_match(int argc, char** argv);
}  // namespace ringside::bench
