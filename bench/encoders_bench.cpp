#include "encoders_bench.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "ringside/core/embedded_config.hpp"
#include "ringside/core/flatbuffers_codec.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/core/sample_events.hpp"

namespace ringside::bench {
namespace {

// Targets on the 2-core development machine (issue 2): ns per event over the mix.
constexpr double kJsonMixTargetNs = 200;
constexpr double kFlatBuffersMixTargetNs = 100;

// A pool of ready frames, stored back to back as in a ring, so the benchmark
// loop measures the encoder and not the generator. Large enough to defeat the
// branch predictor's memory of one frame, small enough to stay in L2.
class FramePool {
 public:
  FramePool(const SymbolTable& symbols, const EventType* only, std::size_t count) {
    SampleEvents events(symbols, 42, 1'771'425'000'000'000'000);
    for (std::size_t i = 0; i < count; ++i) {
      const FrameHeader& f = only ? events.make(*only) : events.next();
      const std::size_t at = bytes_.size();
      bytes_.resize(at + f.length);
      std::memcpy(bytes_.data() + at, &f, f.length);
      offsets_.push_back(at);
    }
  }
  std::size_t size() const noexcept { return offsets_.size(); }
  const FrameHeader& operator[](std::size_t i) const noexcept {
    return *reinterpret_cast<const FrameHeader*>(bytes_.data() + offsets_[i]);
  }

 private:
  // Frame lengths are multiples of 8 and operator new aligns the base to 16,
  // so every frame in the pool is aligned as in a ring.
  std::vector<std::byte> bytes_;
  std::vector<std::size_t> offsets_;
};

template <class Encoder>
void encode_loop(benchmark::State& state, const SymbolTable& symbols, const FramePool& pool) {
  Encoder encoder(symbols);
  std::size_t i = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    const Encoded e = encoder.encode(pool[i]);
    benchmark::DoNotOptimize(e.bytes.data());
    bytes += e.bytes.size();
    if (++i == pool.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

// Collects ns per iteration (= per event) by benchmark name, and prints as usual.
class CollectingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred || !run.aggregate_name.empty()) continue;
      ns_per_event[run.benchmark_name()] = run.GetAdjustedRealTime();
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> ns_per_event;
};

}  // namespace

int run_encoders(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  const ExchangeConfig config = embedded_default_config();
  const SymbolTable& symbols = config.symbols;
  std::vector<std::unique_ptr<FramePool>> pools;
  std::vector<std::pair<std::string, const FramePool*>> cases;
  for (EventType type : kAllEventTypes) {
    pools.push_back(std::make_unique<FramePool>(symbols, &type, 1024));
    cases.emplace_back(std::string(to_string(type)), pools.back().get());
  }
  pools.push_back(std::make_unique<FramePool>(symbols, nullptr, 8192));
  cases.emplace_back("mix", pools.back().get());

  for (const auto& [name, pool] : cases) {
    benchmark::RegisterBenchmark(("json/" + name).c_str(), [&symbols, pool = pool](benchmark::State& s) {
      encode_loop<JsonEncoder>(s, symbols, *pool);
    })->Unit(benchmark::kNanosecond);
    benchmark::RegisterBenchmark(("flatbuffers/" + name).c_str(), [&symbols, pool = pool](benchmark::State& s) {
      encode_loop<FlatBuffersEncoder>(s, symbols, *pool);
    })->Unit(benchmark::kNanosecond);
  }

  CollectingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  // One line of JSON with the key figures, last, for scripts.
  auto figures = [&](const char* encoder) {
    std::string out = "{";
    for (const auto& [name, pool] : cases) {
      const auto it = reporter.ns_per_event.find(std::string(encoder) + "/" + name);
      if (it == reporter.ns_per_event.end()) continue;
      out += fmt::format("{}\"{}\":{:.1f}", out.size() > 1 ? "," : "", name, it->second);
    }
    return out + "}";
  };
  auto mix = [&](const char* encoder) {
    const auto it = reporter.ns_per_event.find(std::string(encoder) + "/mix");
    return it == reporter.ns_per_event.end() ? -1.0 : it->second;
  };
  const double json_mix = mix("json");
  const double fb_mix = mix("flatbuffers");
  fmt::print("{{\"bench\":\"encoders\",\"unit\":\"ns_per_event\",\"json\":{},\"flatbuffers\":{},"
             "\"json_mix_ns\":{:.1f},\"flatbuffers_mix_ns\":{:.1f},"
             "\"targets\":{{\"json_mix_ns\":{:.0f},\"flatbuffers_mix_ns\":{:.0f}}},"
             "\"json_target_met\":{},\"flatbuffers_target_met\":{}}}\n",
             figures("json"), figures("flatbuffers"), json_mix, fb_mix, kJsonMixTargetNs, kFlatBuffersMixTargetNs,
             json_mix >= 0 && json_mix <= kJsonMixTargetNs, fb_mix >= 0 && fb_mix <= kFlatBuffersMixTargetNs);
  return 0;
}

}  // namespace ringside::bench
