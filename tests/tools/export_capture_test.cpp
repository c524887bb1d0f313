// `ringside export` as a real process on captures made with the CaptureWriter API
// and with `ringside record`: NDJSON identical to the JSON encoder's envelopes,
// CSV tables whose rows match the frames and that Python's csv module reads,
// filters, a damaged capture (what is whole is exported, the rest reported), and
// bad input.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "event_ring_fixture.hpp"
#include "ringside/core/json_encoder.hpp"
#include "ringside/core/sample_events.hpp"
#include "ringside/tools/capture_writer.hpp"
#include "ringside/tools/event_csv.hpp"

namespace ringside::tools::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Reads every CSV file of a directory with Python's csv module (as pandas or a
// script would) and reports, per file: rows, columns of the header, rows whose
// width differs from it, and AgentAction details that json.loads refused.
const char* const kPythonCsvCheck = R"PY(
import csv, json, os, sys
out = {"event": "csv", "files": {}}
for name in sorted(os.listdir(sys.argv[1])):
    with open(os.path.join(sys.argv[1], name), newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    bad_details = 0
    if "details" in header:
        k = header.index("details")
        for r in body:
            try:
                json.loads(r[k])
            except Exception:
                bad_details += 1
    out["files"][name] = {"rows": len(body), "header": header,
                          "ragged": sum(1 for r in body if len(r) != len(header)),
                          "bad_details": bad_details,
                          "seqs": sorted({int(r[0]) for r in body})}
print(json.dumps(out))
)PY";

class ExportTest : public shm::test::RingTest {
 protected:
  void SetUp() override {
    RingTest::SetUp();
    out_ = dir() / "out";
  }

  // A capture of `n` random frames of every type (extreme values included),
  // returning the JSON encoder's envelope of each, in order.
  std::vector<std::string> make_capture(const fs::path& file, std::size_t n, std::uint32_t block_bytes = 1u << 20) {
    CaptureWriterOptions options;
    options.file = file;
    options.block_bytes = block_bytes;
    CaptureWriter writer(options);
    CaptureRingInfo ring;
    ring.ring_name = "events";
    ring.generation = 1;
    ring.ring_capacity = 1u << 20;
    ring.max_frame_length = static_cast<std::uint32_t>(kMaxFrameLength);
    ring.metadata = symbols_.to_image();
    writer.start_segment(ring);
    SampleEvents samples(symbols_, 7, kTradeTime0);
    JsonEncoder encoder(symbols_);
    std::vector<std::string> envelopes;
    for (std::size_t i = 0; i < n; ++i) {
      samples.set_extremes(i % 3 == 0);
      const FrameHeader& frame = samples.make(kAllEventTypes[i % kEventTypeCount]);
      writer.append(frame);
      frames_.emplace_back(reinterpret_cast<const char*>(&frame), frame.length);
      envelopes.emplace_back(encoder.encode(frame).bytes);
    }
    writer.close();
    return envelopes;
  }

  json python_csv_check(const fs::path& directory) {
    Child python = Child::spawn("/usr/bin/python3", {"-c", kPythonCsvCheck, directory.string()});
    const auto line = python.wait_event("csv", scaled(60s));
    EXPECT_TRUE(line.has_value()) << python.output();
    EXPECT_EQ(python.wait_exit(scaled(30s)), 0);
    return line.value_or(json::object());
  }

  const SymbolTable symbols_ = ringside::test::test_symbols();
  std::vector<std::string> frames_;  // the raw bytes of each frame written
  fs::path out_;
};

TEST_F(ExportTest, NdjsonIsTheSeedEnvelopeOfEveryFrame) {
  const fs::path cap = dir() / "events.cap";
  const auto envelopes = make_capture(cap, 900);
  ToolRun run = run_ringside({"export", cap.string(), "--format", "ndjson"});
  ASSERT_EQ(run.status, 0) << run.out;
  const auto lines = lines_of(run.out);
  ASSERT_EQ(lines.size(), envelopes.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    ASSERT_EQ(lines[i], envelopes[i]);
    const json e = json::parse(lines[i]);
    ASSERT_TRUE(e.contains("event_type") && e.contains("timestamp") && e.contains("seq") && e.contains("data"));
  }

  // To a file, filtered by type and symbol.
  run = run_ringside({"export", cap.string(), "--format", "ndjson", "--type", "TradeExecuted,OrderCancelled", "--symbol",
                      "BRK.B", "-o", (dir() / "some.ndjson").string()});
  ASSERT_EQ(run.status, 0) << run.out;
  std::size_t expected = 0;
  for (const std::string& e : envelopes) {
    const json j = json::parse(e);
    if ((j["event_type"] == "TradeExecuted" || j["event_type"] == "OrderCancelled") && j["data"]["symbol"] == "BRK.B") {
      ++expected;
    }
  }
  const auto some = lines_of(read_file(dir() / "some.ndjson"));
  EXPECT_EQ(some.size(), expected);
  ASSERT_GT(expected, 0u);
  for (const std::string& line : some) EXPECT_EQ(json::parse(line)["data"]["symbol"], "BRK.B");
}

TEST_F(ExportTest, CsvTablesPerTypeReadBackWithPython) {
  const fs::path cap = dir() / "events.cap";
  const auto envelopes = make_capture(cap, 900);
  const ToolRun run = run_ringside({"export", cap.string(), "--format", "csv", "-o", out_.string()}, true);
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("export: 900 frames read from 1 segment"), std::string::npos) << run.out;

  // Rows per table: one per frame, a snapshot one per level (at least one).
  std::map<std::string, std::size_t> rows;
  std::map<std::string, std::size_t> frames;
  for (const std::string& raw : frames_) {
    const auto& h = *reinterpret_cast<const FrameHeader*>(raw.data());
    const std::string file = std::string(to_string(h.type)) + ".csv";
    ++frames[file];
    if (h.type == EventType::OrderBookSnapshot) {
      const auto& s = *reinterpret_cast<const OrderBookSnapshot*>(raw.data());
      rows[file] += std::max<std::size_t>(1, std::size_t{s.bid_count} + s.ask_count);
    } else {
      rows[file] += 1;
    }
  }
  const json check = python_csv_check(out_);
  ASSERT_EQ(check["files"].size(), kEventTypeCount) << check.dump();
  for (const EventType type : kAllEventTypes) {
    const std::string file = std::string(to_string(type)) + ".csv";
    const json& f = check["files"][file];
    EXPECT_EQ(f["rows"], rows[file]) << file;
    EXPECT_EQ(f["header"], EventCsv::columns(type)) << file;
    EXPECT_EQ(f["ragged"], 0) << file;
    EXPECT_EQ(f["bad_details"], 0) << file;
    EXPECT_EQ(f["seqs"].size(), frames[file]) << file;
    EXPECT_NE(run.out.find(file), std::string::npos) << run.out;
  }

  // One --type: that table alone, to stdout, header first.
  const ToolRun one = run_ringside({"export", cap.string(), "--format", "csv", "--type", "MarketStats"});
  ASSERT_EQ(one.status, 0);
  const auto lines = lines_of(one.out);
  ASSERT_EQ(lines.size(), 1 + frames["MarketStats.csv"]);
  EXPECT_EQ(lines[0], EventCsv::header(EventType::MarketStats));
}

TEST_F(ExportTest, RecordedFromTheEngineThenExported) {
  Child engine = Child::spawn(kEngine, {"--mode", "max", "--duration", "5", "--ring", "events", "--ring-mib", "8",
                                        "--backing", "shm", "--status-interval", "0"});
  const auto done = engine.wait_event("engine_done", scaled(120s));
  ASSERT_TRUE(done.has_value());
  ASSERT_EQ(engine.wait_exit(scaled(30s)), 0);
  const std::uint64_t events = (*done)["events"];
  const fs::path cap = dir() / "engine.cap";
  const ToolRun record = run_ringside({"record", "events", cap.string(), "--until-writer-stops"});
  ASSERT_EQ(record.status, 0) << record.out;

  const ToolRun ndjson = run_ringside({"export", cap.string(), "--format", "ndjson"});
  ASSERT_EQ(ndjson.status, 0);
  const auto lines = lines_of(ndjson.out);
  ASSERT_EQ(lines.size(), events);
  for (std::size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(json::parse(lines[i])["seq"], i + 1);

  ASSERT_EQ(run_ringside({"export", cap.string(), "--format", "csv", "-o", out_.string()}).status, 0);
  const json check = python_csv_check(out_);
  std::uint64_t distinct_seqs = 0;
  for (const auto& [name, f] : check["files"].items()) {
    EXPECT_EQ(f["ragged"], 0) << name;
    EXPECT_EQ(f["bad_details"], 0) << name;
    distinct_seqs += f["seqs"].size();
  }
  EXPECT_EQ(distinct_seqs, events);  // every frame in exactly one table
}

TEST_F(ExportTest, DamagedCaptureExportsWhatIsWhole) {
  const fs::path cap = dir() / "damaged.cap";
  const auto envelopes = make_capture(cap, 3000, 8192);  // small blocks: many of them
  // Flip a byte inside frame 1500's bytes in the file: its block's checksum fails.
  std::string bytes = read_file(cap);
  const std::string& victim = frames_[1500];
  const auto at = bytes.find(victim);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 40] = static_cast<char>(bytes[at + 40] ^ 0x5a);
  std::ofstream(cap, std::ios::binary | std::ios::trunc) << bytes;

  ToolRun run = run_ringside({"export", cap.string(), "--format", "ndjson", "-o", (dir() / "whole.ndjson").string()}, true);
  EXPECT_EQ(run.status, 2) << run.out;
  EXPECT_NE(run.out.find("skipped: " + cap.string() + ": offset "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("the capture is damaged"), std::string::npos) << run.out;
  const auto lines = lines_of(read_file(dir() / "whole.ndjson"));
  EXPECT_LT(lines.size(), envelopes.size());
  EXPECT_GT(lines.size(), envelopes.size() / 2);
  // Everything exported is exactly what was written; frame 1500 is not among it.
  std::size_t next = 0;
  for (const std::string& line : lines) {
    while (next < envelopes.size() && envelopes[next] != line) ++next;
    ASSERT_LT(next, envelopes.size()) << "not in the capture, or out of order: " << line;
    EXPECT_NE(next, 1500u);
  }

  run = run_ringside({"export", cap.string(), "--format", "ndjson", "--ignore-damage", "-o",
                      (dir() / "again.ndjson").string()}, true);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("skipped: "), std::string::npos) << run.out;
}

TEST_F(ExportTest, BadInputNamesTheProblem) {
  ToolRun run = run_ringside({"export", (dir() / "missing.cap").string(), "--format", "ndjson"}, true);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.out.find((dir() / "missing.cap").string()), std::string::npos) << run.out;

  std::ofstream(dir() / "text.cap") << "this is not a capture, just some words to fill a header's worth of bytes\n";
  run = run_ringside({"export", (dir() / "text.cap").string(), "--format", "ndjson"}, true);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.out.find((dir() / "text.cap").string()), std::string::npos) << run.out;

  const fs::path cap = dir() / "events.cap";
  make_capture(cap, 20);
  run = run_ringside({"export", cap.string(), "--format", "ndjson", "--type", "Trade"}, true);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.out.find("--type: unknown event type 'Trade'"), std::string::npos) << run.out;

  run = run_ringside({"export", cap.string(), "--format", "ndjson", "--symbol", "MSFT"}, true);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.out.find(cap.string() + ": unknown symbol 'MSFT' (it has 3: AAPL, BRK.B, EURUSD)"), std::string::npos)
      << run.out;

  run = run_ringside({"export", cap.string(), "--format", "csv"}, true);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.out.find("-o DIR"), std::string::npos) << run.out;

  run = run_ringside({"export", cap.string(), "--format", "xml"}, true);
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.out.find("--format"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace ringside::tools::test
