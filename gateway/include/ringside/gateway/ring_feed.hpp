// One ring's reader thread: frames in, batches of encoded messages out.
//
// A lossy shm::RingReader (it never slows the engine) reads every frame; each is
// checked (check_frame), encoded once as JSON with core's JsonEncoder and, only
// while some client wants it, as FlatBuffers, framed for WebSocket and appended
// to the current batch. On the event ring the L2 books are updated too. A batch
// goes to the network thread in one post when it is full, after at most
// kMaxBatchDelay of reading, or as soon as the ring is empty.
//
// The thread never waits for a client. It stops reading (and is lapped, which
// it reports as a gap) only when the network thread itself falls behind: more
// than kMaxInFlight batches posted and not yet dispatched.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "ringside/core/config.hpp"
#include "ringside/core/flatbuffers_codec.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/gateway/batch.hpp"
#include "ringside/gateway/book_builder.hpp"
#include "ringside/core/data_quality.hpp"
#include "ringside/gateway/options.hpp"
#include "ringside/shm/reader.hpp"


namespace ringside::gateway {

enum class RingState : std::uint8_t { Waiting, Attached, WriterClosed, WriterDead };
std::string_view to_string(RingState) noexcept;

// Figures of one feed for /metrics. Written by the reader thread once per batch,
// read by the network thread: relaxed atomics, each figure on its own.
struct FeedStats {
  std::atomic<std::uint64_t> frames{0};
  std::atomic<std::uint64_t> missed{0};
  std::atomic<std::uint64_t> gaps{0};
  std::atomic<std::uint64_t> invalid{0};
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::uint64_t> lag{0};
  std::atomic<std::uint64_t> book_resyncs{0};
  std::atomic<std::uint64_t> book_mismatches{0};
  std::atomic<std::uint64_t> dq_dropped{0};
  std::atomic<std::uint64_t> dq_duplicated{0};
  std::atomic<std::uint64_t> dq_delayed{0};
};

// The network side, as the feed sees it. post_* hand over to the network thread.
class FeedSink {
 public:
  virtual ~FeedSink() = default;
  virtual void post_ring(std::shared_ptr<const RingInfo> ring) = 0;
  virtual void post_ring_state(std::uint32_t ring, RingState state) = 0;
  virtual void post_batch(Batch* batch) = 0;
  // Who is listening, sampled once per batch: nothing is encoded for nobody.
  virtual bool wants_text() const noexcept = 0;
  virtual bool wants_binary() const noexcept = 0;
  virtual bool wants_any() const noexcept = 0;
};

struct FeedOptions {
  std::string ring;
  std::uint32_t index = 0;  // 0: the event ring (books, data quality)
  StartPoint start = StartPoint::Oldest;
  int cpu = -1;
  DataQualityConfig data_quality;
  std::uint64_t data_quality_seed = 1;
};

// The JSON of a whole book: {"type":"book_snapshot","symbol":...,"bids":[[price,qty],...],...}.
void book_snapshot_json(std::string& out, const Instrument& instrument, std::uint64_t book_seq,
                        std::uint64_t ring_seq, std::uint8_t flags, std::span<const PriceLevel> bids,
                        std::span<const PriceLevel> asks);

class RingFeed : private BookOutput {
 public:
  static constexpr std::size_t kTextCapacity = 256 * 1024;
  static constexpr std::size_t kBinaryCapacity = 256 * 1024;
  static constexpr std::size_t kMaxMessages = 1024;
  static constexpr int kMaxInFlight = 8;
  static constexpr std::chrono::microseconds kMaxBatchDelay{200};

  RingFeed(FeedOptions options, FeedSink& sink);
  ~RingFeed() override;
  RingFeed(const RingFeed&) = delete;
  RingFeed& operator=(const RingFeed&) = delete;

  void start();
  void stop();  // joins the thread

  // Network thread, after dispatching a batch this feed posted.
  void batch_done() noexcept { in_flight_.fetch_sub(1, std::memory_order_release); }

  const FeedStats& stats() const noexcept { return stats_; }
  const std::string& ring_name() const noexcept { return options_.ring; }
  std::uint64_t batches_allocated() const noexcept { return pool_.allocated(); }
  std::uint64_t batches_freed() const noexcept { return pool_.freed(); }

 private:
  void run();
  bool attach(std::unique_ptr<shm::RingReader>& reader);
  bool wait_for_new_generation(std::unique_ptr<shm::RingReader>& reader, std::uint64_t old_generation);
  void start_generation(shm::RingReader& reader);
  void read_loop(shm::RingReader& reader);
  void on_frame(const FrameHeader& frame, std::uint64_t missed);
  void append_event(const FrameHeader& frame);
  void append_gap(std::uint64_t from, std::uint64_t to);
  void publish();
  Batch& batch();
  // Frame `head` + `rest` as one text message in the current batch; returns its
  // offset, and its size in last_frame_size_.
  std::optional<std::uint32_t> add_text_frame(std::string_view payload);
  std::optional<std::uint32_t> add_text_frame(std::string_view head, std::string_view rest);
  std::optional<std::uint32_t> add_binary_frame(std::string_view payload);
  void flush_held();
  void sleep_for(std::chrono::microseconds t);

  void book_update(SymbolId symbol, std::uint64_t book_seq, std::uint64_t ring_seq,
                   std::span<const LevelChange> changes) override;
  void book_snapshot(SymbolId symbol, std::uint64_t book_seq, std::uint64_t ring_seq, std::uint8_t flags,
                     const L2Book& book) override;

  FeedOptions options_;
  FeedSink& sink_;
  BatchPool pool_;
  FeedStats stats_;
  std::thread thread_;
  // Stop request from the main thread; relaxed: it only needs to be seen eventually.
  std::atomic<bool> stop_{false};
  // Batches posted and not yet dispatched. Release on the network side, acquire
  // here: a dispatched batch's memory is done with before the reader reuses it
  // (the pool's queue orders that too; this is only the flow control).
  std::atomic<int> in_flight_{0};

  // Per generation (reader thread only).
  std::shared_ptr<const RingInfo> info_;
  std::unique_ptr<JsonEncoder> json_;
  std::unique_ptr<FlatBuffersEncoder> flatbuffers_;
  BookBuilder books_;
  DataQualityInjector quality_;
  bool first_frame_ = true;
  std::string prefix_;  // `{"ring":"NAME",` for rings other than the event ring

  shm::RingReader* reader_ = nullptr;  // while reading
  shm::ReadStatus last_status_{};      // why read_loop returned
  bool waiting_logged_ = false;

  // The batch being filled.
  Batch* current_ = nullptr;
  Batch* spare_ = nullptr;              // an empty batch kept for the next one
  std::uint32_t last_frame_size_ = 0;
  bool text_ = false;    // sampled at batch start
  bool binary_ = false;
  bool any_ = false;
  std::chrono::steady_clock::time_point batch_started_;
  struct Held {  // an event whose JSON is sent after the next one (out-of-order injection)
    bool active = false;
    Message message;
  } held_;
  std::string scratch_;  // book JSON, reused

  // Totals since start, copied into stats_ per batch.
  std::uint64_t frames_ = 0, missed_ = 0, gaps_ = 0, invalid_ = 0, batches_ = 0;
};

}  // namespace ringside::gateway
