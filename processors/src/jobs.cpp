#include "ringside/processors/jobs.hpp"

#include <stdexcept>
#include <string>

#include "ringside/processors/book_metrics.hpp"

namespace ringside::processors {
namespace {

constexpr JobInfo kCatalogue[] = {
    {"aggregates", "per-symbol tumbling event-time windows (1/5/15 min): volume, value, VWAP, trade count, buy/sell "
                   "counts and ratio, OHLC -> TradeAggregate"},
    {"book", "order-book analytics on every snapshot: best bid/ask, mid, spread (bps), depth and imbalance at "
             "5/10/20 levels -> OrderBookMetrics"},
    {"alerts", "price movements of 2 % or more against a 5-minute baseline, 60 s cooldown, severity MEDIUM/HIGH/"
               "CRITICAL at 2/5/10 % -> PriceAlert"},
    {"enrich", "every trade with its symbol's reference data (company, sector, industry, market-cap tier, exchange) "
               "-> EnrichedTrade"},
    {"ofi", "order-flow imbalance of the best quote (Cont-Kukanov-Stoikov) per symbol over 1 s and 10 s windows "
            "-> OrderFlowImbalance"},
};

}  // namespace

std::span<const JobInfo> job_catalogue() noexcept { return kCatalogue; }

std::unique_ptr<Job> make_job(std::string_view name, const JobOptions& options) {
  if (name == "aggregates") return std::make_unique<AggregatesJob>(options.aggregates);
  if (name == "book") return std::make_unique<BookMetricsJob>();
  if (name == "alerts") return std::make_unique<PriceAlertJob>(options.alerts);
  if (name == "enrich") {
    return std::make_unique<EnrichJob>(options.enrich.reference_file.empty()
                                           ? embedded_reference_data()
                                           : load_reference_file(options.enrich.reference_file));
  }
  if (name == "ofi") return std::make_unique<OfiJob>(options.ofi);
  std::string known;
  for (const JobInfo& job : kCatalogue) known += (known.empty() ? "" : ", ") + std::string(job.name);
  throw std::invalid_argument("unknown job '" + std::string(name) + "' (jobs: " + known + ")");
}

}  // namespace ringside::processors
