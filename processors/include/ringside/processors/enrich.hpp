// Job "enrich": every TradeExecuted again as an EnrichedTrade carrying its
// symbol's reference data (seeds/003 2.5): company name, sector, industry,
// market-cap tier, listing exchange. A symbol of the ring's table that the
// reference data lacks gets "UNKNOWN" in every text and reference_found 0; such
// trades are counted and the symbols named in the status line. Stateless apart
// from the per-symbol record template built at bind().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ringside/processors/job.hpp"
#include "ringside/processors/reference_data.hpp"

namespace ringside::processors {

struct EnrichOptions {
  std::string reference_file;  // empty: the embedded config/reference.csv
};

class EnrichJob final : public Job {
 public:
  explicit EnrichJob(ReferenceData reference);

  std::string_view name() const noexcept override { return "enrich"; }
  bool reads(EventType type) const noexcept override { return type == EventType::TradeExecuted; }
  void bind(const SymbolTable& symbols) override;
  void on_event(const FrameHeader& frame, const EventContext& context, RecordSink& out) override;
  std::string status() const override;

  struct Counters {
    std::uint64_t trades = 0;
    std::uint64_t unknown = 0;  // trades of symbols the reference data lacks
  };
  const Counters& counters() const noexcept { return counters_; }
  const ReferenceData& reference() const noexcept { return reference_; }
  // Tickers that traded without reference data, in the order first seen (all streams).
  const std::vector<std::string>& unknown_symbols() const noexcept { return unknown_symbols_; }

 private:
  ReferenceData reference_;
  std::vector<EnrichedTrade> templates_;  // by symbol: texts and reference_found filled in
  std::vector<std::uint8_t> reported_;    // by symbol: already in unknown_symbols_
  const SymbolTable* symbols_ = nullptr;
  std::vector<std::string> unknown_symbols_;
  Counters counters_;
};

}  // namespace ringside::processors
