// `ringside ls` as a real process: rings with their writer state and readers,
// entries that are not rings listed with their problem, a missing directory.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "event_ring_fixture.hpp"
#include "ringside/shm/reader.hpp"

namespace ringside::tools::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class LsTest : public shm::test::RingTest {
 protected:
  json ls_json() {
    const ToolRun run = run_ringside({"ls", "--json"});
    EXPECT_EQ(run.status, 0) << run.out;
    return json::parse(run.out);
  }
  static const json* entry(const json& listing, const std::string& name) {
    for (const json& e : listing["rings"]) {
      if (e["name"] == name) return &e;
    }
    ADD_FAILURE() << "no entry '" << name << "' in " << listing.dump();
    return nullptr;
  }
};

TEST_F(LsTest, MissingOrEmptyDirectoryIsSaidPlainly) {
  ToolRun run = run_ringside({"ls"});
  EXPECT_EQ(run.status, 0);
  EXPECT_NE(run.out.find(rings().string() + " does not exist"), std::string::npos) << run.out;
  const json missing = ls_json();
  EXPECT_EQ(missing["exists"], false);
  EXPECT_TRUE(missing["rings"].empty());

  fs::create_directories(rings());
  run = run_ringside({"ls"});
  EXPECT_EQ(run.status, 0);
  EXPECT_NE(run.out.find(rings().string() + " is empty"), std::string::npos) << run.out;
}

TEST_F(LsTest, ListsRingsWithWritersAndReaders) {
  const SymbolTable symbols = ringside::test::test_symbols();
  shm::RingWriter w = shm::RingWriter::create("alpha", small_ring(64 << 10, symbols.to_image()));
  publish_trades(w, 10);
  shm::ReaderOptions lossless;
  lossless.kind = shm::ReaderKind::Lossless;
  lossless.start = shm::StartAt::Oldest;
  lossless.name = "archiver";
  shm::ReaderOptions lossy;
  lossy.name = "watcher";
  shm::RingReader r1 = shm::RingReader::attach("alpha", lossless);
  shm::RingReader r2 = shm::RingReader::attach("alpha", lossy);
  {
    shm::RingWriter closed = shm::RingWriter::create("closed", small_ring(64 << 10, symbols.to_image()));
    publish_trades(closed, 3);
  }

  const json listing = ls_json();
  EXPECT_EQ(listing["exists"], true);
  ASSERT_EQ(listing["rings"].size(), 2u) << listing.dump();
  const json* alpha = entry(listing, "alpha");
  ASSERT_NE(alpha, nullptr);
  EXPECT_EQ((*alpha)["ring"], true);
  EXPECT_EQ((*alpha)["writer_pid"], ::getpid());
  EXPECT_EQ((*alpha)["writer_state"], "running");
  EXPECT_EQ((*alpha)["writer_alive"], true);
  EXPECT_EQ((*alpha)["generation"], 1);
  EXPECT_EQ((*alpha)["backing"], "shm");
  EXPECT_EQ((*alpha)["page_size"], 4096);
  EXPECT_EQ((*alpha)["capacity"], 64 << 10);
  EXPECT_EQ((*alpha)["frames_published"], 10);
  EXPECT_EQ((*alpha)["readers"]["lossless"], 1);
  EXPECT_EQ((*alpha)["readers"]["lossy"], 1);
  const json* closed = entry(listing, "closed");
  ASSERT_NE(closed, nullptr);
  EXPECT_EQ((*closed)["writer_state"], "closed");
  EXPECT_EQ((*closed)["frames_published"], 3);

  // ls itself never took a slot: still exactly our two readers.
  EXPECT_EQ(ls_json()["rings"][0]["readers"]["lossy"], 1);

  const ToolRun table = run_ringside({"ls"});
  EXPECT_EQ(table.status, 0);
  EXPECT_NE(table.out.find("NAME"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("1 lossless, 1 lossy"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(std::to_string(::getpid()) + " running"), std::string::npos) << table.out;
}

TEST_F(LsTest, WriterProcessRunningThenDead) {
  Child writer = Child::driver({"write", "--ring", "beta", "--count", "500", "--capacity", "65536", "--hold"});
  ASSERT_TRUE(writer.wait_event("written", scaled(30s)));
  json listing = ls_json();
  const json* beta = entry(listing, "beta");
  ASSERT_NE(beta, nullptr);
  EXPECT_EQ((*beta)["writer_pid"], writer.pid());
  EXPECT_EQ((*beta)["writer_state"], "running");
  EXPECT_EQ((*beta)["frames_published"], 500);

  writer.kill_and_reap();  // kill -9: the ring stays Running in its header, but nobody writes it
  listing = ls_json();
  beta = entry(listing, "beta");
  ASSERT_NE(beta, nullptr);
  EXPECT_EQ((*beta)["writer_state"], "dead");
  EXPECT_EQ((*beta)["writer_alive"], false);
}

TEST_F(LsTest, EntriesThatAreNotRingsAreListedWithTheirProblem) {
  fs::create_directories(rings());
  std::ofstream(rings() / "notes.txt") << "not a ring\n";
  {
    std::ofstream zeros(rings() / "zeros", std::ios::binary);
    const std::string page(8192, '\0');
    zeros << page;
  }
  fs::create_directories(rings() / "subdir");
  std::ofstream(rings() / "bad name") << "x";
  std::ofstream(rings() / ".alpha.g1.123") << "a writer's file being created";  // hidden: not listed
  const SymbolTable symbols = ringside::test::test_symbols();
  shm::RingWriter w = shm::RingWriter::create("good", small_ring(64 << 10, symbols.to_image()));

  const json listing = ls_json();
  ASSERT_EQ(listing["rings"].size(), 5u) << listing.dump();
  EXPECT_EQ((*entry(listing, "good"))["ring"], true);
  EXPECT_EQ((*entry(listing, "notes.txt"))["ring"], false);
  EXPECT_NE((*entry(listing, "notes.txt"))["problem"].get<std::string>().find("truncated"), std::string::npos);
  EXPECT_EQ((*entry(listing, "zeros"))["problem"], "not a ringside ring (wrong magic)");
  EXPECT_EQ((*entry(listing, "subdir"))["problem"], "not a ring (not a regular file)");
  EXPECT_NE((*entry(listing, "bad name"))["problem"].get<std::string>().find("bad ring name"), std::string::npos);

  const ToolRun table = run_ringside({"ls"});
  EXPECT_EQ(table.status, 0);
  EXPECT_NE(table.out.find("zeros"), std::string::npos);
  EXPECT_NE(table.out.find("not a ring: not a ringside ring (wrong magic)"), std::string::npos) << table.out;
}

}  // namespace
}  // namespace ringside::tools::test
