// The per-client queue policy: bounded in frames and bytes, shared frames hold
// their batch, and the batch goes back to its pool with the last reference.
#include <gtest/gtest.h>

#include <vector>

#include "ringside/gateway/client_queue.hpp"
#include "ringside/gateway/ws_frame.hpp"

namespace ringside::gateway {
namespace {

struct PoolFixture : ::testing::Test {
  BatchPool pool{1024, 0, 16};
  Batch* batch() {
    Batch* b = pool.take();
    b->refs = 1;  // the dispatcher's own reference
    return b;
  }
};

TEST_F(PoolFixture, RefusesAFrameOverTheFrameLimit) {
  ClientQueue q(QueueLimits{1 << 20, 3});
  Batch* b = batch();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(q.push_shared(*b, b->text.data(), 10));
  EXPECT_FALSE(q.push_shared(*b, b->text.data(), 10));
  EXPECT_EQ(q.frames(), 3u);
  EXPECT_EQ(b->refs, 4);
  q.clear();
  EXPECT_EQ(b->refs, 1);
}

TEST_F(PoolFixture, RefusesAFrameOverTheByteLimit) {
  ClientQueue q(QueueLimits{100, 1000});
  Batch* b = batch();
  EXPECT_TRUE(q.push_shared(*b, b->text.data(), 60));
  EXPECT_TRUE(q.push_shared(*b, b->text.data(), 40));
  EXPECT_FALSE(q.push_shared(*b, b->text.data(), 1));
  EXPECT_FALSE(q.push_owned(make_text_frame("x")));
  EXPECT_EQ(q.bytes(), 100u);
  q.pop(1);
  EXPECT_EQ(q.bytes(), 40u);
  EXPECT_TRUE(q.push_owned(make_text_frame("{}")));
  q.clear();
}

TEST_F(PoolFixture, KeepsOrderAcrossGrowthAndMixesOwnedFrames) {
  ClientQueue q(QueueLimits{1 << 20, 1000});
  Batch* b = batch();
  for (int i = 0; i < 100; ++i) {
    if (i % 3 == 0) {
      ASSERT_TRUE(q.push_owned(make_text_frame(std::to_string(i))));
    } else {
      ASSERT_TRUE(q.push_shared(*b, b->text.data() + i, 1));
    }
  }
  q.pop(10);
  for (std::size_t i = 0; i < q.frames(); ++i) {
    const int n = static_cast<int>(i) + 10;
    const OutFrame& f = q.at(i);
    if (n % 3 == 0) {
      EXPECT_TRUE(f.owned);
      const std::string expected = make_text_frame(std::to_string(n));
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(f.data), f.size), expected);
    } else {
      EXPECT_EQ(f.data, b->text.data() + n);
    }
  }
  q.truncate(5);  // the five at the front may be in a write: they stay
  EXPECT_EQ(q.frames(), 5u);
  EXPECT_EQ(q.at(0).owned, false);  // frame 10
  EXPECT_TRUE(q.at(2).owned);       // frame 12
  q.clear();
  EXPECT_EQ(b->refs, 1);
}

TEST_F(PoolFixture, TheLastReferenceReturnsTheBatchToItsPool) {
  Batch* b = batch();
  {
    ClientQueue a(QueueLimits{});
    ClientQueue c(QueueLimits{});
    ASSERT_TRUE(a.push_shared(*b, b->text.data(), 8));
    ASSERT_TRUE(c.push_shared(*b, b->text.data(), 8));
    release(b);  // the dispatcher is done
    EXPECT_EQ(b->refs, 2);
    a.pop(1);
  }
  EXPECT_EQ(pool.allocated(), 1u);
  EXPECT_EQ(pool.take(), b) << "reused, not a new allocation";
  EXPECT_EQ(pool.allocated(), 1u);
}

TEST_F(PoolFixture, FreesIdleBatchesBeyondItsReserve) {
  // A slow client pinned many batches; once they come back, the pool shrinks
  // to kMaxIdle idle ones (one surplus freed per take) instead of keeping all.
  constexpr std::size_t kPinned = BatchPool::kMaxIdle + 40;
  std::vector<Batch*> pinned;
  for (std::size_t i = 0; i < kPinned; ++i) pinned.push_back(batch());
  EXPECT_EQ(pool.allocated(), kPinned);
  for (Batch* b : pinned) release(b);
  for (std::size_t i = 0; i < kPinned; ++i) release(batch());  // steady state: one in use at a time
  EXPECT_EQ(pool.allocated(), BatchPool::kMaxIdle + 1);
}

}  // namespace
}  // namespace ringside::gateway
