#include "histogram.hpp"

#include <cmath>

namespace ringside::bench {

void Histogram::add(const Histogram& other) noexcept {
  for (std::size_t i = 0; i < kCountsLength; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  underflows_ += other.underflows_;
  overflows_ += other.overflows_;
  if (other.total_ != 0) {
    if (other.max_ > max_) max_ = other.max_;
    if (other.min_ < min_) min_ = other.min_;
  }
}

std::int64_t Histogram::value_from_index(std::size_t index) noexcept {
  auto bucket = static_cast<int>(index >> kSubBucketHalfCountMagnitude) - 1;
  auto sub_bucket = static_cast<std::int64_t>(index & static_cast<std::size_t>(kSubBucketHalfCount - 1)) + kSubBucketHalfCount;
  if (bucket < 0) {
    sub_bucket -= kSubBucketHalfCount;
    bucket = 0;
  }
  return sub_bucket << bucket;
}

std::int64_t Histogram::lowest_equivalent(std::int64_t value) noexcept {
  const int bucket = bucket_index(value);
  return (value >> bucket) << bucket;
}

std::int64_t Histogram::equivalent_range(std::int64_t value) noexcept {
  const int bucket = bucket_index(value);
  const std::int64_t sub_bucket = value >> bucket;
  return std::int64_t{1} << (sub_bucket >= kSubBucketCount ? bucket + 1 : bucket);
}

std::int64_t Histogram::value_at_percentile(double percentile) const noexcept {
  if (total_ == 0) return 0;
  const double p = std::fmin(std::fmax(percentile, 0.0), 100.0);
  auto wanted = static_cast<std::int64_t>(std::ceil(p / 100.0 * static_cast<double>(total_)));
  if (wanted < 1) wanted = 1;
  std::int64_t seen = 0;
  for (std::size_t i = 0; i < kCountsLength; ++i) {
    seen += counts_[i];
    if (seen >= wanted) {
      const std::int64_t v = value_from_index(i);
      return p == 0.0 ? lowest_equivalent(v) : highest_equivalent(v);
    }
  }
  return max();
}

double Histogram::mean() const noexcept {
  if (total_ == 0) return 0;
  double sum = 0;
  for (std::size_t i = 0; i < kCountsLength; ++i) {
    if (counts_[i] != 0) sum += static_cast<double>(median_equivalent(value_from_index(i))) * static_cast<double>(counts_[i]);
  }
  return sum / static_cast<double>(total_);
}

double Histogram::stddev() const noexcept {
  if (total_ == 0) return 0;
  const double m = mean();
  double sum = 0;
  for (std::size_t i = 0; i < kCountsLength; ++i) {
    if (counts_[i] == 0) continue;
    const double d = static_cast<double>(median_equivalent(value_from_index(i))) - m;
    sum += d * d * static_cast<double>(counts_[i]);
  }
  return std::sqrt(sum / static_cast<double>(total_));
}

void Histogram::write_percentile_distribution(std::FILE* out, double scaling, int ticks_per_half_distance) const {
  std::fprintf(out, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)");
  // HdrHistogram's PercentileIterator: reporting levels get denser as they approach
  // 100 %, `ticks_per_half_distance` of them in each halving of the distance to
  // 100 %. A level is reported at the first recorded value whose cumulative count
  // reaches it; the bucket holding the largest value is reported once more at 100 %.
  const auto next_level = [ticks_per_half_distance](double level) {
    const auto halvings = static_cast<int>(std::log(100.0 / (100.0 - level)) / std::log(2.0));
    const double ticks = ticks_per_half_distance * std::ldexp(1.0, halvings + 1);
    return level + 100.0 / ticks;
  };
  const double total = static_cast<double>(total_);
  double level = 0.0;
  std::int64_t cumulative = 0;
  for (std::size_t i = 0; i < kCountsLength && total_ != 0; ++i) {
    if (counts_[i] == 0) continue;
    cumulative += counts_[i];
    const double value = static_cast<double>(highest_equivalent(value_from_index(i))) / scaling;
    while (100.0 * static_cast<double>(cumulative) / total >= level) {
      std::fprintf(out, "%12.*f %2.12f %10lld %14.2f\n", kSignificantDigits, value, level / 100.0,
                   static_cast<long long>(cumulative), 1.0 / (1.0 - level / 100.0));
      if (cumulative == total_) {
        std::fprintf(out, "%12.*f %2.12f %10lld\n", kSignificantDigits, value, 1.0, static_cast<long long>(cumulative));
        break;
      }
      level = next_level(level);
    }
  }
  std::fprintf(out, "#[Mean    = %12.*f, StdDeviation   = %12.*f]\n", kSignificantDigits, mean() / scaling,
               kSignificantDigits, stddev() / scaling);
  std::fprintf(out, "#[Max     = %12.*f, Total count    = %12lld]\n", kSignificantDigits,
               static_cast<double>(max()) / scaling, static_cast<long long>(total_));
  std::fprintf(out, "#[Buckets = %12d, SubBuckets     = %12lld]\n", kBucketCount,
               static_cast<long long>(kSubBucketCount));
}

Percentiles percentiles_of(const Histogram& h, double divisor) {
  Percentiles p;
  const auto at = [&](double q) { return static_cast<double>(h.value_at_percentile(q)) / divisor; };
  p.p50 = at(50);
  p.p90 = at(90);
  p.p99 = at(99);
  p.p999 = at(99.9);
  p.p9999 = at(99.99);
  p.max = static_cast<double>(h.max()) / divisor;
  p.mean = h.mean() / divisor;
  p.count = h.total_count();
  return p;
}

}  // namespace ringside::bench
