// ringside-bench gateway: a C++ load client for ringside-gateway (see gateway_bench.cpp).
#pragma once

namespace ringside::bench {
int run_gateway(int argc, char** argv);
}  // namespace ringside::bench
