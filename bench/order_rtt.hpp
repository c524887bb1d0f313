// ringside-bench order-rtt: order-entry round trip through the real engine (see order_rtt.cpp).
#pragma once

namespace ringside::bench {
int run_order_rtt(int argc, char** argv);
}  // namespace ringside::bench
