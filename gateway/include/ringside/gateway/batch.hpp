// What a ring reader hands the network thread: a batch of messages, each
// encoded and framed once, shared by every client that receives it.
//
// A batch owns two arenas of complete WebSocket frames (text: JSON, binary:
// FlatBuffers) and an index of messages pointing into them. Consecutive messages
// are contiguous in an arena, so a client that takes all of them is sent long
// runs of bytes in one write. Batches are recycled through a pool: in the steady
// state reading a ring allocates nothing.
//
// Ownership: the reader thread fills a batch and posts it to the network thread;
// from then on only the network thread touches it. Clients that queue one of its
// messages hold a reference (`refs`, a plain counter: one thread); the last
// release hands the batch back to the reader's pool through a lock-free queue.
#pragma once

#include <boost/lockfree/spsc_queue.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ringside/core/instrument.hpp"
#include "ringside/gateway/l2_book.hpp"

namespace ringside::gateway {

// A ring as a reader found it: name, writer generation and the symbol table
// from its metadata. Immutable once posted; batches keep it alive.
struct RingInfo {
  std::uint32_t index = 0;  // position in --ring order; 0 is the primary (event) ring
  std::string name;
  std::uint64_t generation = 0;
  SymbolTable symbols;
};

enum class MessageKind : std::uint8_t {
  Event,         // one ring frame as JSON (text) and/or FlatBuffers (binary)
  Book,          // incremental L2 level changes of one symbol
  BookSnapshot,  // a whole L2 book of one symbol (resync or gap)
  Gap,           // the reader was lapped: frames [from, to] are lost
};

// Channels are small integers; see subscription.hpp for the names.
inline constexpr std::uint8_t kRingWide = 0xff;  // a message for every subscriber of the ring

struct BookFlags {
  static constexpr std::uint8_t kExact = 1;  // the book followed the ring from its first frame, no gap
  static constexpr std::uint8_t kStale = 2;  // frames were lost; exact again at the next OrderBookSnapshot
};

struct Message {
  std::uint32_t text_offset = 0;
  std::uint32_t text_size = 0;    // a complete text frame; 0: not sent as text
  std::uint32_t binary_offset = 0;
  std::uint32_t binary_size = 0;  // a complete binary frame; 0: not sent as binary
  std::uint64_t seq = 0;          // ring sequence (events, gaps: the first lost) or book sequence
  std::uint32_t changes_begin = 0;  // Book/BookSnapshot: level changes in Batch::changes
  std::uint32_t changes_count = 0;
  std::uint16_t symbol = 0;       // ring-local symbol id
  std::uint8_t channel = 0;
  MessageKind kind = MessageKind::Event;
  std::uint8_t book_flags = 0;
  std::uint64_t ring_seq = 0;     // Book/BookSnapshot: the ring frame that caused it
};

class BatchPool;

// Leaves new elements uninitialised (std::allocator zero-fills on resize). A
// batch arena's bytes are always written before they are sent; not zero-filling
// its 256 KiB keeps the pages a batch never uses (most: a batch holds ~50 KiB
// of frames) out of RSS, the arenas being mmapped (see gateway/main.cpp).
template <class T>
struct UninitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitAllocator<U>;
  };
  UninitAllocator() noexcept = default;
  template <class U>
  UninitAllocator(const UninitAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using ByteArena = std::vector<std::byte, UninitAllocator<std::byte>>;

struct Batch {
  std::shared_ptr<const RingInfo> ring;
  ByteArena text;     // sized to capacity once; text_used bytes hold frames
  ByteArena binary;
  std::size_t text_used = 0;
  std::size_t binary_used = 0;
  std::vector<Message> messages;
  std::vector<LevelChange> changes;
  std::uint64_t first_seq = 0;     // ring sequences of the frames in the batch
  std::uint64_t last_seq = 0;
  std::int64_t newest_publish_ns = 0;
  std::uint64_t ring_lag = 0;      // frames the writer was ahead when the batch was published
  int refs = 0;                    // network thread only
  BatchPool* pool = nullptr;

  const std::byte* text_frame(const Message& m) const noexcept { return text.data() + m.text_offset; }
  const std::byte* binary_frame(const Message& m) const noexcept { return binary.data() + m.binary_offset; }
  void clear() noexcept;
};

// Batches of one reader. take() on the reader thread, give_back() on the network
// thread: a single-producer single-consumer queue between exactly those two.
class BatchPool {
 public:
  static constexpr std::size_t kReturnQueue = 4096;
  // Idle batches kept for reuse; take() frees those beyond (one per call). A
  // slow client pins every batch its queue references (~550 KiB each, however
  // few of its bytes it holds), so one slow-consumer episode can make the pool
  // grow by 100+ batches; kept forever, that was a ratchet on the gateway's RSS
  // (a new high-water mark at each episode that pinned more batches).
  static constexpr std::size_t kMaxIdle = 32;

  BatchPool(std::size_t text_capacity, std::size_t binary_capacity, std::size_t message_capacity);
  ~BatchPool();
  BatchPool(const BatchPool&) = delete;
  BatchPool& operator=(const BatchPool&) = delete;

  Batch* take();                     // reader thread
  void give_back(Batch* b) noexcept;  // network thread
  // Batches alive now (in use or idle in the pool).
  std::uint64_t allocated() const noexcept { return allocated_.load(std::memory_order_relaxed); }
  // Batches freed as surplus so far (the hub trims the heap after some were).
  std::uint64_t freed() const noexcept { return freed_.load(std::memory_order_relaxed); }

 private:
  void destroy(Batch* b) noexcept;  // reader thread: frees an idle batch

  std::size_t text_capacity_;
  std::size_t binary_capacity_;
  std::size_t message_capacity_;
  boost::lockfree::spsc_queue<Batch*, boost::lockfree::capacity<kReturnQueue>> returned_;
  // Relaxed: a statistic for /metrics, read by the network thread.
  std::atomic<std::uint64_t> allocated_{0};
  std::atomic<std::uint64_t> freed_{0};
  // Every batch alive, so the pool can free them all at the end.
  std::vector<std::unique_ptr<Batch>> owned_;
};

// Drops one reference (network thread); the last one returns the batch to its pool.
inline void release(Batch* b) noexcept {
  if (--b->refs == 0) b->pool->give_back(b);
}

}  // namespace ringside::gateway
