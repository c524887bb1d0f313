#include "ringside/core/data_quality.hpp"

namespace ringside {

DataQualityInjector::DataQualityInjector(const DataQualityConfig& config, std::uint64_t seed)
    : enabled_(config.enabled &&
               (config.missing_data_rate > 0 || config.duplicate_rate > 0 || config.out_of_order_rate > 0)),
      drop_(config.missing_data_rate),
      duplicate_(config.missing_data_rate + config.duplicate_rate),
      delay_(config.missing_data_rate + config.duplicate_rate + config.out_of_order_rate),
      random_(seed) {}

Injection DataQualityInjector::decide() noexcept {
  if (!enabled_) return Injection::None;
  // 53 random bits as a double in [0, 1): the same sequence on every platform,
  // unlike std::uniform_real_distribution.
  const double u = static_cast<double>(random_() >> 11) * 0x1.0p-53;
  if (u < drop_) {
    ++dropped_;
    return Injection::Drop;
  }
  if (u < duplicate_) {
    ++duplicated_;
    return Injection::Duplicate;
  }
  if (u < delay_) {
    ++delayed_;
    return Injection::Delay;
  }
  return Injection::None;
}

}  // namespace ringside
