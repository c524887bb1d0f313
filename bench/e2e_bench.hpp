// ringside-bench e2e: order entry -> engine -> live ring -> ringside-gateway -> WebSocket client (see e2e_bench.cpp).
#pragma once

namespace ringside::bench {
int run_e2e(int argc, char** argv);
}  // namespace ringside::bench
