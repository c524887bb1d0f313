// `ringside inspect` as a real process: the header, the writer, and the reader
// table with exact lags (frames, bytes, time) for readers whose positions the test
// controls; readers in other processes; a lapped reader; bad rings. inspect never
// takes a slot itself.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "event_ring_fixture.hpp"
#include "ringside/shm/reader.hpp"
#include "ringside/shm/ring_status.hpp"

namespace ringside::tools::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class InspectTest : public shm::test::RingTest {
 protected:
  json inspect(const std::string& ring, const std::string& interval = "0") {
    const ToolRun run = run_ringside({"inspect", ring, "--json", "--interval", interval});
    EXPECT_EQ(run.status, 0) << run.out;
    return json::parse(run.out);
  }
  static const json& reader_named(const json& status, const std::string& name) {
    for (const json& r : status["readers"]) {
      if (r["name"] == name) return r;
    }
    ADD_FAILURE() << "no reader '" << name << "' in " << status.dump();
    static const json none = json::object();
    return none;
  }
  const SymbolTable symbols_ = ringside::test::test_symbols();
};

TEST_F(InspectTest, HeaderWriterAndExactLags) {
  shm::RingWriter w = shm::RingWriter::create("events", small_ring(64 << 10, symbols_.to_image()));
  publish_trades(w, 100);
  shm::ReaderOptions lossless;
  lossless.kind = shm::ReaderKind::Lossless;
  lossless.start = shm::StartAt::Oldest;
  lossless.name = "archiver";
  shm::RingReader archiver = shm::RingReader::attach("events", lossless);
  // 30 reads: the slot then says frames 1..29 are done, 30 is next (the reader
  // publishes its progress at the start of the following read).
  for (int i = 0; i < 30; ++i) ASSERT_EQ(archiver.read().status, shm::ReadStatus::Frame);
  shm::ReaderOptions lossy;
  lossy.start = shm::StartAt::Oldest;
  lossy.name = "dashboard";
  shm::RingReader dashboard = shm::RingReader::attach("events", lossy);  // nothing read yet

  const json s = inspect("events");
  EXPECT_EQ(s["ring"], "events");
  EXPECT_EQ(s["path"], (rings() / "events").string());
  EXPECT_EQ(s["layout_version"], shm::kLayoutVersion);
  EXPECT_EQ(s["frame_alignment"], 8);
  EXPECT_EQ(s["capacity"], 64 << 10);
  EXPECT_EQ(s["backing"], "shm");
  EXPECT_EQ(s["page_size"], 4096);
  EXPECT_EQ(s["generation"], 1);
  EXPECT_EQ(s["writer"]["pid"], ::getpid());
  EXPECT_EQ(s["writer"]["alive"], true);
  EXPECT_EQ(s["writer"]["state"], "running");
  EXPECT_EQ(s["symbols"]["tickers"], json::array({"AAPL", "BRK.B", "EURUSD"}));
  EXPECT_EQ(s["counters"]["frames_published"], 100);
  EXPECT_EQ(s["counters"]["next_sequence"], 101);
  EXPECT_EQ(s["counters"]["write_position"], 100 * sizeof(TradeExecuted));
  EXPECT_EQ(s["counters"]["stall_count"], 0);
  EXPECT_EQ(s["newest_frame"]["sequence"], 100);
  EXPECT_EQ(s["newest_frame"]["publish_time_ns"], kPublishTime0 + 100'000);
  EXPECT_TRUE(s["rates"].is_null());
  ASSERT_EQ(s["readers"].size(), 2u) << s.dump(2);

  const json& a = reader_named(s, "archiver");
  EXPECT_EQ(a["kind"], "lossless");
  EXPECT_EQ(a["state"], "active");
  EXPECT_EQ(a["pid"], ::getpid());
  EXPECT_EQ(a["alive"], true);
  EXPECT_EQ(a["next_sequence"], 30);
  EXPECT_EQ(a["lag_frames"], 71);  // frames 30..100
  EXPECT_EQ(a["lag_bytes"], 71 * sizeof(TradeExecuted));
  EXPECT_EQ(a["lag_time"], "known");
  EXPECT_DOUBLE_EQ(a["lag_time_ms"].get<double>(), 0.070);  // published 100 us - 30 us after the start
  EXPECT_EQ(a["stall_caused_ns"], 0);

  const json& d = reader_named(s, "dashboard");
  EXPECT_EQ(d["kind"], "lossy");
  EXPECT_EQ(d["pid"], ::getpid());
  EXPECT_EQ(d["position"], 0);
  EXPECT_EQ(d["lag_frames"], 100);
  EXPECT_EQ(d["lag_time_ms"].get<double>(), 0.099);

  // inspect took no slot: the table holds exactly the two readers still.
  const shm::RingStatus after = shm::snapshot_ring(w.ring());
  EXPECT_EQ(after.readers.size(), 2u);

  const ToolRun text = run_ringside({"inspect", "events", "--interval", "0"});
  EXPECT_EQ(text.status, 0);
  for (const char* needle : {"ring 'events'", "version 1, frame alignment 8", "64 KiB of frames", "generation      1",
                             "running (alive)", "3: AAPL BRK.B EURUSD", "100 published, next sequence 101",
                             "readers (2 of 64 slots)", "archiver", "lossless", "dashboard", "70.0 us"}) {
    EXPECT_NE(text.out.find(needle), std::string::npos) << needle << " in\n" << text.out;
  }
}

TEST_F(InspectTest, RatesOverTheInterval) {
  shm::RingWriter w = shm::RingWriter::create("events", small_ring(64 << 10, symbols_.to_image()));
  publish_trades(w, 5);
  shm::ReaderOptions lossy;
  lossy.name = "idle";
  shm::RingReader idle = shm::RingReader::attach("events", lossy);
  const json s = inspect("events", "50");
  ASSERT_TRUE(s["rates"].is_object()) << s.dump();
  EXPECT_GE(s["rates"]["interval_ms"].get<double>(), 50.0);
  EXPECT_EQ(s["rates"]["frames_per_s"], 0.0);  // nothing written meanwhile
  EXPECT_EQ(reader_named(s, "idle")["frames_per_s"], 0.0);
  const ToolRun text = run_ringside({"inspect", "events", "--interval", "20"});
  EXPECT_NE(text.out.find("rates over"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("0 frames/s"), std::string::npos) << text.out;
}

TEST_F(InspectTest, LappedLossyReaderShowsOverwritten) {
  shm::RingWriter w = shm::RingWriter::create("events", small_ring(16 << 10, symbols_.to_image()));
  publish_trades(w, 10);
  shm::ReaderOptions lossy;
  lossy.start = shm::StartAt::Oldest;
  lossy.name = "slow";
  shm::RingReader slow = shm::RingReader::attach("events", lossy);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(slow.read().status, shm::ReadStatus::Frame);
  publish_trades(w, 2000);  // 160 kB through a 16 KiB ring: frame 5 is long gone
  const json s = inspect("events");
  const json& r = reader_named(s, "slow");
  EXPECT_EQ(r["lag_time"], "overwritten");
  EXPECT_TRUE(r["lag_time_ms"].is_null());
  EXPECT_EQ(r["lag_frames"], 2010 + 1 - 5);  // it will have missed these when it reads on
  EXPECT_GT(s["counters"]["head_position"].get<std::uint64_t>(), r["position"].get<std::uint64_t>());
}

TEST_F(InspectTest, ReadersInOtherProcesses) {
  Child writer = Child::driver({"write", "--ring", "live", "--count", "2000", "--capacity", "1048576", "--hold"});
  ASSERT_TRUE(writer.wait_event("written", scaled(30s)));
  Child lossless = Child::driver({"read", "--ring", "live", "--kind", "lossless", "--start", "oldest",
                                  "--announce-at", "2000"});
  Child lossy = Child::driver({"read", "--ring", "live", "--kind", "lossy", "--start", "oldest",
                               "--announce-at", "2000"});
  ASSERT_TRUE(lossless.wait_event("progress", scaled(30s)));
  ASSERT_TRUE(lossy.wait_event("progress", scaled(30s)));

  // Both have read all 2000 frames; their slots show it once they poll again.
  json s;
  const auto deadline = std::chrono::steady_clock::now() + scaled(30s);
  for (;;) {
    s = inspect("live");
    bool caught_up = s["readers"].size() == 2;
    for (const json& r : s["readers"]) caught_up = caught_up && r["lag_frames"] == 0;
    if (caught_up || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(s["writer"]["pid"], writer.pid());
  EXPECT_EQ(s["writer"]["state"], "running");
  EXPECT_TRUE(s["symbols"]["tickers"].empty());  // the driver's ring has no symbol table
  ASSERT_EQ(s["readers"].size(), 2u) << s.dump(2);
  for (const json& r : s["readers"]) {
    const bool is_lossless = r["pid"] == lossless.pid();
    EXPECT_TRUE(is_lossless || r["pid"] == lossy.pid()) << r.dump();
    EXPECT_EQ(r["kind"], is_lossless ? "lossless" : "lossy");
    EXPECT_EQ(r["name"], "ring-test-driver");
    EXPECT_EQ(r["alive"], true);
    EXPECT_EQ(r["lag_frames"], 0);
    EXPECT_EQ(r["lag_time"], "caught up");
    EXPECT_EQ(r["next_sequence"], 2001);
  }

  // The lossless reader dies without detaching: its slot stays, marked not alive.
  lossless.kill_and_reap();
  s = inspect("live");
  bool found = false;
  for (const json& r : s["readers"]) {
    if (r["kind"] == "lossless") {
      found = true;
      EXPECT_EQ(r["alive"], false);
    }
  }
  EXPECT_TRUE(found) << s.dump(2);
}

TEST_F(InspectTest, MissingRingAndBadFilesAreInputErrors) {
  ToolRun run = run_ringside({"inspect", "nothere"}, true);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.out.find("no ring named 'nothere' in " + rings().string()), std::string::npos) << run.out;

  fs::create_directories(rings());
  std::ofstream(rings() / "junk") << "hello";
  run = run_ringside({"inspect", "junk"}, true);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.out.find((rings() / "junk").string() + ": truncated"), std::string::npos) << run.out;

  run = run_ringside({"inspect", "../etc"}, true);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.out.find("bad ring name"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace ringside::tools::test
