// ringside-bench egress: ringside-egress against librdkafka's embedded mock
// cluster, next to a raw librdkafka producer (see egress_bench.cpp).
#pragma once

namespace ringside::bench {
int run_egress(int argc, char** argv);
}  // namespace ringside::bench
