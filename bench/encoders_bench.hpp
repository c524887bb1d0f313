// ringside-bench encoders: ns per event of the JSON and FlatBuffers edge encoders,
// per event type and over the realistic mix (kRealisticMix), with Google Benchmark.
#pragma once

namespace ringside::bench {

// argv may carry Google Benchmark flags (--benchmark_filter=..., --benchmark_min_time=...).
int run_encoders(int argc, char** argv);

}  // namespace ringside::bench
