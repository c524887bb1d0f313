// The window that turns out-of-order acknowledgements into a committed sequence.
#include <gtest/gtest.h>

#include "ringside/egress/delivery_window.hpp"

using ringside::egress::DeliveryWindow;

TEST(DeliveryWindow, LowEdgeMovesOnlyOverTheFinishedPrefix) {
  DeliveryWindow w(8);
  w.reset(10, 1000);
  w.add(10, 1100, 1, 0);
  w.add(11, 1200, 1, 0);
  w.add(12, 1300, 2, 0);
  EXPECT_FALSE(w.advance());
  w.finish(11);  // out of order: 10 still pending
  EXPECT_FALSE(w.advance());
  EXPECT_EQ(w.next_unfinished(), 10u);
  EXPECT_EQ(w.released_position(), 1000u);
  w.finish(10);
  EXPECT_TRUE(w.advance());
  EXPECT_EQ(w.next_unfinished(), 12u);
  EXPECT_EQ(w.released_position(), 1200u);
  w.finish(12);  // one of two copies (a duplicate) is not enough
  EXPECT_FALSE(w.advance());
  w.finish(12);
  EXPECT_TRUE(w.advance());
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(w.next_unfinished(), 13u);
  EXPECT_EQ(w.released_position(), 1300u);
}

TEST(DeliveryWindow, FramesWithNothingToSendAndSkippedSequencesAreFinished) {
  DeliveryWindow w(8);
  w.reset(1, 0);
  w.add(1, 64, 0, 0);   // dropped by data-quality injection
  w.add(4, 256, 1, 0);  // 2 and 3 were missed by the reader
  EXPECT_TRUE(w.advance());
  EXPECT_EQ(w.next_unfinished(), 4u);
  EXPECT_EQ(w.released_position(), 64u);
  w.finish(4);
  w.advance();
  EXPECT_EQ(w.next_unfinished(), 5u);
  EXPECT_EQ(w.released_position(), 256u);
}

TEST(DeliveryWindow, HasRoomForCapacityFramesBeyondTheLowEdge) {
  DeliveryWindow w(4);
  ASSERT_EQ(w.capacity(), 4u);
  w.reset(100, 0);
  for (std::uint64_t s = 100; s < 104; ++s) {
    ASSERT_TRUE(w.has_room(s));
    w.add(s, s * 8, 1, 0);
  }
  EXPECT_FALSE(w.has_room(104));
  w.finish(100);
  w.advance();
  EXPECT_TRUE(w.has_room(104));
  EXPECT_TRUE(w.in_flight(101));
  EXPECT_FALSE(w.in_flight(100));
  EXPECT_FALSE(w.in_flight(104));
}

TEST(DeliveryWindow, ExtraMessagesKeepAFrameOpen) {
  DeliveryWindow w(4);
  w.reset(1, 0);
  w.add(1, 8, 1, 42);
  w.add_message(1);  // a dead letter after the first copy failed
  EXPECT_EQ(w.finish(1), 42);
  EXPECT_FALSE(w.advance());
  w.finish(1);
  EXPECT_TRUE(w.advance());
}

// After an eviction the egress re-attaches at the oldest frame still in the ring,
// which can lie any distance past the window (it waits for an empty one first).
TEST(DeliveryWindow, AnEmptyWindowJumpsToAFrameFarPastItsCapacity) {
  DeliveryWindow w(4);
  w.reset(10, 0);
  w.add(10, 80, 1, 0);
  w.add(11, 88, 1, 0);
  w.finish(10);
  w.finish(11);
  w.advance();
  ASSERT_TRUE(w.empty());
  w.add(1'000'011, 5000, 1, 0);  // a million missed frames
  w.add(1'000'012, 5008, 2, 0);
  EXPECT_EQ(w.next_unfinished(), 1'000'011u);
  EXPECT_TRUE(w.in_flight(1'000'011));
  EXPECT_TRUE(w.in_flight(1'000'012));
  EXPECT_EQ(w.released_position(), 88u);
  w.finish(1'000'011);
  w.finish(1'000'012);
  EXPECT_TRUE(w.advance());  // over the first only: the second frame has two messages
  EXPECT_EQ(w.next_unfinished(), 1'000'012u);
  EXPECT_EQ(w.released_position(), 5000u);
  w.finish(1'000'012);
  EXPECT_TRUE(w.advance());
  EXPECT_EQ(w.next_unfinished(), 1'000'013u);
  EXPECT_EQ(w.released_position(), 5008u);
}
