// Job "ofi": order-flow imbalance of each symbol's best quote (Cont, Kukanov and
// Stoikov 2014) over tumbling event-time windows, 1 s and 10 s by default, as
// OrderFlowImbalance records.
//
// Input: QuoteUpdate (best bid and ask with their sizes). Per symbol, in ring
// order, each QuoteUpdate n after the first contributes
//   e(n) = [Pb(n) >= Pb(n-1)] qb(n) - [Pb(n) <= Pb(n-1)] qb(n-1)
//        - [Pa(n) <= Pa(n-1)] qa(n) + [Pa(n) >= Pa(n-1)] qa(n-1)
// to the window of its event time: bid_flow is the bid terms, ask_flow the ask
// terms with the sign reversed, ofi = bid_flow - ask_flow. An empty bid (price
// 0) compares below every price and an empty ask above every price, so a side
// emptying counts as its whole size leaving and a side appearing as its size
// arriving. The first quote of a symbol, and the first after a gap in the input
// (the quote before it is unknown), only sets the previous quote.
//
// Windows are [k * size, (k + 1) * size) aligned to the epoch and fire once the
// watermark (pipeline.hpp) reaches their end; only windows with at least one
// e(n) are emitted. A quote whose window has already fired still becomes the
// previous quote, but its e(n) is dropped and counted as late (no allowed
// lateness: e(n) depends on the order of quotes, which a late one has already
// broken). Windows a gap may have touched carry kRecordInputGap.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ringside/core/wide_int.hpp"
#include "ringside/processors/job.hpp"
#include "ringside/processors/windows.hpp"

namespace ringside::processors {

struct OfiOptions {
  std::vector<std::int64_t> windows_ns{1'000'000'000, 10'000'000'000};
};

// e(n)'s two halves for one change of the best quote.
struct OfiTerms {
  detail::Int128 bid_flow = 0;
  detail::Int128 ask_flow = 0;  // sign reversed: e(n) = bid_flow - ask_flow
};
OfiTerms ofi_terms(const QuoteUpdate& before, const QuoteUpdate& after) noexcept;

class OfiJob final : public Job {
 public:
  // Throws std::invalid_argument for no windows, or a non-positive or repeated size.
  explicit OfiJob(OfiOptions options);

  std::string_view name() const noexcept override { return "ofi"; }
  bool reads(EventType type) const noexcept override { return type == EventType::QuoteUpdate; }
  void bind(const SymbolTable& symbols) override;
  void on_event(const FrameHeader& frame, const EventContext& context, RecordSink& out) override;
  void on_watermark(const EventContext& context, RecordSink& out) override;
  void on_gap(const Gap& gap) override;
  void end_of_stream(const EventContext& context, RecordSink& out) override;
  std::string status() const override;

  struct Counters {
    std::uint64_t quotes = 0;
    std::uint64_t changes = 0;             // quotes that had a previous one: e(n) computed
    std::uint64_t records = 0;
    std::vector<std::uint64_t> late;       // per window size: e(n) dropped, its window had fired
    std::uint64_t out_of_range = 0;        // event times no window arithmetic can hold
  };
  const Counters& counters() const noexcept { return counters_; }
  const OfiOptions& options() const noexcept { return options_; }
  // Live windows, all symbols and sizes: the job's state size.
  std::size_t open_windows() const noexcept;

 private:
  struct Window {
    std::int64_t start = 0;
    std::int64_t end = 0;
    detail::Int128 bid_flow = 0, ask_flow = 0, depth = 0;
    std::uint64_t updates = 0;
    QuoteUpdate last{};
    bool gap = false;
  };
  struct Series {
    std::vector<Window> windows;  // by start
  };
  struct Previous {
    QuoteUpdate quote{};
    bool known = false;
  };

  void fire(const Window& w, SymbolId symbol, RecordSink& out);

  OfiOptions options_;
  std::size_t sizes_ = 0;
  std::int64_t max_window_ns_ = 0;
  std::vector<Previous> previous_;  // by symbol
  std::vector<Series> series_;      // symbol * sizes_ + size index
  RecentGaps gaps_;
  Counters counters_;
};

}  // namespace ringside::processors
