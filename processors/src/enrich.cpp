#include "ringside/processors/enrich.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace ringside::processors {
namespace {

constexpr std::string_view kUnknown = "UNKNOWN";
constexpr std::size_t kStatusSymbols = 10;  // named in the status line; the rest counted

}  // namespace

EnrichJob::EnrichJob(ReferenceData reference) : reference_(std::move(reference)) {}

void EnrichJob::bind(const SymbolTable& symbols) {
  symbols_ = &symbols;
  templates_.assign(symbols.size(), EnrichedTrade{});
  reported_.assign(symbols.size(), 0);
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    EnrichedTrade& t = templates_[i];
    const ReferenceEntry* e = reference_.find(symbols[SymbolId{static_cast<std::uint16_t>(i)}].ticker);
    // The parser bounded every text by its field, so set_text cannot fail here.
    t.reference_found = e != nullptr ? 1 : 0;
    set_text(t.company_name, e != nullptr ? std::string_view(e->company_name) : kUnknown);
    set_text(t.sector, e != nullptr ? std::string_view(e->sector) : kUnknown);
    set_text(t.industry, e != nullptr ? std::string_view(e->industry) : kUnknown);
    set_text(t.market_cap_tier, e != nullptr ? std::string_view(e->market_cap_tier) : kUnknown);
    set_text(t.listed_exchange, e != nullptr ? std::string_view(e->exchange) : kUnknown);
  }
}

void EnrichJob::on_event(const FrameHeader& frame, const EventContext& context, RecordSink& out) {
  const auto& trade = reinterpret_cast<const TradeExecuted&>(frame);
  const std::size_t symbol = raw(frame.symbol);
  EnrichedTrade& r = templates_[symbol];
  ++counters_.trades;
  if (r.reference_found == 0) {
    ++counters_.unknown;
    if (reported_[symbol] == 0) {
      reported_[symbol] = 1;
      const std::string& ticker = (*symbols_)[frame.symbol].ticker;
      if (std::find(unknown_symbols_.begin(), unknown_symbols_.end(), ticker) == unknown_symbols_.end()) {
        unknown_symbols_.push_back(ticker);
      }
    }
  }
  // The template is the record: only the trade's fields change, the texts stay.
  init_header(r, frame.symbol, frame.event_time_ns);
  r.trade_id = trade.trade_id;
  r.buyer_order_id = trade.buyer_order_id;
  r.seller_order_id = trade.seller_order_id;
  r.price = trade.price;
  r.quantity = trade.quantity;
  r.buyer_agent = trade.buyer_agent;
  r.seller_agent = trade.seller_agent;
  r.aggressor_side = trade.aggressor_side;
  r.enriched_at_ns = context.wall_ns;
  out.emit(r.header);
}

std::string EnrichJob::status() const {
  std::string names;
  for (std::size_t i = 0; i < std::min(unknown_symbols_.size(), kStatusSymbols); ++i) {
    if (i != 0) names.push_back(',');
    names.append(unknown_symbols_[i]);
  }
  if (unknown_symbols_.size() > kStatusSymbols) names += fmt::format(",+{}", unknown_symbols_.size() - kStatusSymbols);
  return fmt::format("trades {}, unknown {}{} (reference {}, {} symbols)", counters_.trades, counters_.unknown,
                     names.empty() ? "" : " (" + names + ")", reference_.source, reference_.entries.size());
}

}  // namespace ringside::processors
