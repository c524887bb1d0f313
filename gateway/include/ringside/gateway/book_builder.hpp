// L2 books rebuilt from the event stream, on the ring reader's thread.
//
// The engine publishes no level changes as such, but its events carry enough to
// maintain every level exactly (engine/src/order_book.cpp is the reference):
//
//   OrderPlaced      a new order; it trades first, so it is held as *pending*
//   TradeExecuted    the passive order's level (the side opposite the aggressor,
//                    at the trade price) loses the quantity; the pending
//                    aggressor's remainder shrinks
//   OrderCancelled   a resting order's level loses remaining_quantity; for the
//                    pending order it is the unfilled rest of an IOC, FOK or
//                    market order that never rested
//   AgentAction      ReduceOrder: the level loses the shares taken off
//
// A pending GTC limit order rests (its level gains what is left) at the next
// event of its symbol that is neither one of its own fills nor a cancel: the
// engine publishes a request's fills and cancels before anything else. So a
// client applying the updates holds, at every OrderBookSnapshot, exactly the
// levels the engine reports, provided the gateway followed the ring from its
// first frame. Otherwise (attached mid-stream, or lapped) the books are *stale*
// and every OrderBookSnapshot resyncs them: exact within the snapshot's depth.
// Each OrderBookSnapshot is also a check; a difference from an exact book is
// counted as a mismatch (never seen in the tests) and resynced the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ringside/core/events.hpp"
#include "ringside/gateway/l2_book.hpp"

namespace ringside::gateway {

// Where the builder's output goes: the feed turns it into messages of a batch.
class BookOutput {
 public:
  virtual ~BookOutput() = default;
  virtual void book_update(SymbolId symbol, std::uint64_t book_seq, std::uint64_t ring_seq,
                           std::span<const LevelChange> changes) = 0;
  virtual void book_snapshot(SymbolId symbol, std::uint64_t book_seq, std::uint64_t ring_seq, std::uint8_t flags,
                             const L2Book& book) = 0;
};

class BookBuilder {
 public:
  // exact: the stream starts at the ring's first frame (sequence 1).
  void reset(std::size_t symbol_count, bool exact);

  // Call before publishing the frame's own message: rests a pending order the
  // frame shows is done matching, so its level change precedes the frame.
  void before(const FrameHeader& frame, std::uint64_t ring_seq, BookOutput& out);
  // Call after: the level changes the frame itself makes. The frame must have
  // passed check_frame against this builder's symbol count.
  void apply(const FrameHeader& frame, std::uint64_t ring_seq, BookOutput& out);
  // Sends every book (empty at the start of a stream) with its flags, so a
  // client knows from the first message whether the books will be exact.
  void announce(std::uint64_t ring_seq, BookOutput& out);
  // Frames were lost: every book is stale until its next OrderBookSnapshot.
  // Sends each book as it stands, flagged stale.
  void on_gap(std::uint64_t ring_seq, BookOutput& out);

  std::size_t symbol_count() const noexcept { return symbols_.size(); }
  const L2Book& book(SymbolId symbol) const noexcept { return symbols_[raw(symbol)].book; }
  std::uint64_t book_seq(SymbolId symbol) const noexcept { return symbols_[raw(symbol)].seq; }
  std::uint8_t flags(SymbolId symbol) const noexcept;
  std::uint64_t resyncs() const noexcept { return resyncs_; }
  std::uint64_t mismatches() const noexcept { return mismatches_; }

 private:
  struct Pending {
    bool active = false;
    bool may_rest = false;  // GTC limit
    OrderId id{};
    Side side = Side::Buy;
    Ticks price = 0;
    Volume remaining = 0;
  };
  struct SymbolState {
    L2Book book;
    Pending pending;
    std::uint64_t seq = 0;
    bool exact = false;
    bool stale = true;
  };
  static constexpr std::size_t kMaxChanges = 4;  // one event changes at most two levels
  struct Changes {
    LevelChange items[kMaxChanges];
    std::size_t count = 0;
    void add(const LevelChange& c) noexcept {
      if (count < kMaxChanges) items[count++] = c;
    }
  };

  void take(SymbolState& s, Side side, Ticks price, Volume quantity, Changes& changes);
  void flush_pending(SymbolState& s, Changes& changes);
  void check_snapshot(SymbolState& s, SymbolId symbol, const OrderBookSnapshot& snap, std::uint64_t ring_seq,
                      BookOutput& out);
  bool side_matches(const SymbolState& s, Side side, const PriceLevel* levels, std::size_t count) const noexcept;
  void publish(SymbolState& s, SymbolId symbol, std::uint64_t ring_seq, const Changes& changes, BookOutput& out);

  std::vector<SymbolState> symbols_;
  std::size_t learned_depth_ = 0;  // the deepest side any snapshot had: the engine's snapshot depth, or less
  std::uint64_t resyncs_ = 0;
  std::uint64_t mismatches_ = 0;
};

}  // namespace ringside::gateway
