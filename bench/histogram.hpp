// A latency histogram with HdrHistogram's semantics (Gil Tene's log-linear
// bucketing), written here because Debian bookworm packages no C or C++
// HdrHistogram (`apt-cache search hdrhistogram` finds only the Go and Java ones).
//
// Values are non-negative integers (ns, or TSC ticks) from 1 to kHighestTrackable
// with 3 significant decimal digits: every recorded value lands in a bucket no
// wider than 1/1024 of the value (0.1 %), so percentiles are exact to that
// precision, and recording is a few instructions (a count-leading-zeros, two
// shifts and an increment) with no allocation.
//
// Fixed-size and trivially copyable on purpose: a child process records into
// one placed in MAP_SHARED memory and the parent reads it after reaping the child.
//
// write_percentile_distribution() writes HdrHistogram's percentile-distribution
// text format ("Value Percentile TotalCount 1/(1-Percentile)" with the #[Mean],
// #[Max] and #[Buckets] footer) exactly as AbstractHistogram.outputPercentileDistribution
// does, so the HdrHistogram plotter and tools that parse .hgrm files read it.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <type_traits>

namespace ringside::bench {

// HdrHistogram's getBucketsNeededToCoverValue for unit magnitude 0.
constexpr int histogram_buckets_needed(std::int64_t sub_bucket_count, std::int64_t value) {
  std::int64_t trackable = sub_bucket_count - 1;
  int buckets = 1;
  while (trackable < value) {
    trackable <<= 1;
    ++buckets;
  }
  return buckets;
}

class Histogram {
 public:
  static constexpr int kSignificantDigits = 3;
  static constexpr std::int64_t kHighestTrackable = 60'000'000'000;  // 60 s in ns (27 s in ticks at 2.25 GHz)

  // HdrHistogram's layout for lowest discernible value 1 and 3 digits:
  // 2048 sub-buckets (2 * 10^3 rounded up to a power of two), each bucket doubling the range.
  static constexpr int kSubBucketCountMagnitude = 11;
  static constexpr int kSubBucketHalfCountMagnitude = kSubBucketCountMagnitude - 1;
  static constexpr std::int64_t kSubBucketCount = std::int64_t{1} << kSubBucketCountMagnitude;
  static constexpr std::int64_t kSubBucketHalfCount = kSubBucketCount / 2;
  static constexpr std::int64_t kSubBucketMask = kSubBucketCount - 1;
  static constexpr int kLeadingZeroCountBase = 64 - kSubBucketCountMagnitude;
  static constexpr int kBucketCount = histogram_buckets_needed(kSubBucketCount, kHighestTrackable);
  static constexpr std::size_t kCountsLength = static_cast<std::size_t>((kBucketCount + 1) * kSubBucketHalfCount);

  // Values below 0 record as 0 and above kHighestTrackable as kHighestTrackable;
  // both are counted (underflows(), overflows()) so a report can say so.
  void record(std::int64_t value, std::int64_t count = 1) noexcept {
    if (value < 0) {
      value = 0;
      underflows_ += count;
    } else if (value > kHighestTrackable) {
      value = kHighestTrackable;
      overflows_ += count;
    }
    counts_[index_of(value)] += count;
    total_ += count;
    if (value > max_) max_ = value;
    if (value < min_) min_ = value;
  }

  void add(const Histogram& other) noexcept;
  void reset() noexcept { *this = Histogram{}; }

  std::int64_t total_count() const noexcept { return total_; }
  std::int64_t underflows() const noexcept { return underflows_; }
  std::int64_t overflows() const noexcept { return overflows_; }
  // As HdrHistogram: the highest value equivalent to the largest recorded (0 when empty).
  std::int64_t max() const noexcept { return total_ == 0 ? 0 : highest_equivalent(max_); }
  std::int64_t min() const noexcept { return total_ == 0 ? 0 : lowest_equivalent(min_); }
  // As HdrHistogram's getValueAtPercentile: the highest value equivalent to the
  // value at that percentile (percentile in 0..100).
  std::int64_t value_at_percentile(double percentile) const noexcept;
  double mean() const noexcept;
  double stddev() const noexcept;

  // outputPercentileDistribution(out, ticks_per_half_distance, scaling_ratio):
  // values are divided by scaling_ratio on output (1000 turns ns into us).
  void write_percentile_distribution(std::FILE* out, double scaling_ratio, int ticks_per_half_distance = 5) const;

 private:
  static int bucket_index(std::int64_t value) noexcept {
    return kLeadingZeroCountBase - __builtin_clzll(static_cast<std::uint64_t>(value | kSubBucketMask));
  }
  static std::size_t index_of(std::int64_t value) noexcept {
    const int bucket = bucket_index(value);
    const std::int64_t sub_bucket = value >> bucket;
    return static_cast<std::size_t>(((std::int64_t{bucket} + 1) << kSubBucketHalfCountMagnitude) +
                                    (sub_bucket - kSubBucketHalfCount));
  }
  static std::int64_t value_from_index(std::size_t index) noexcept;
  static std::int64_t lowest_equivalent(std::int64_t value) noexcept;
  static std::int64_t equivalent_range(std::int64_t value) noexcept;
  static std::int64_t highest_equivalent(std::int64_t value) noexcept {
    return lowest_equivalent(value) + equivalent_range(value) - 1;
  }
  static std::int64_t median_equivalent(std::int64_t value) noexcept {
    return lowest_equivalent(value) + (equivalent_range(value) >> 1);
  }

  std::array<std::int64_t, kCountsLength> counts_{};
  std::int64_t total_ = 0;
  std::int64_t max_ = 0;
  std::int64_t min_ = INT64_MAX;
  std::int64_t underflows_ = 0;
  std::int64_t overflows_ = 0;
};
static_assert(std::is_trivially_copyable_v<Histogram>);

// The percentiles every latency report prints, and their JSON keys.
struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, p9999 = 0, max = 0, mean = 0;
  std::int64_t count = 0;
};
// Percentiles of `h` divided by `divisor` (1 for ns, ticks_per_ns for ticks).
Percentiles percentiles_of(const Histogram& h, double divisor = 1.0);

}  // namespace ringside::bench
