// The committed-position file: round trip, atomic replacement, clear refusals.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "ringside/egress/state_file.hpp"

namespace fs = std::filesystem;
using namespace ringside::egress;

namespace {
fs::path scratch(const char* name) {
  const fs::path dir = fs::temp_directory_path() / ("ringside-egress-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}
void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
}  // namespace

TEST(StateFile, MissingFileMeansNoPosition) { EXPECT_FALSE(load_position(scratch("absent.state")).has_value()); }

TEST(StateFile, RoundTripsAndReplaces) {
  const fs::path p = position_file(scratch(""), "events");
  EXPECT_EQ(p.filename(), "egress-events.state");
  save_position(p, {"events", 3, 1000});
  save_position(p, {"events", 3, 2000});
  const auto got = load_position(p);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->ring, "events");
  EXPECT_EQ(got->generation, 3u);
  EXPECT_EQ(got->next_sequence, 2000u);
  EXPECT_FALSE(fs::exists(p.string() + ".tmp"));
}

TEST(StateFile, RefusesDamageNamingFileAndLine) {
  const fs::path p = scratch("bad.state");
  write(p, "# comment\nring=events\ngeneration=x7\nnext_sequence=5\n");
  try {
    load_position(p);
    FAIL() << "accepted a bad number";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(p.string() + ":3:"), std::string::npos) << e.what();
  }
  write(p, "ring=events\nnext_sequence=5\n");
  EXPECT_THROW(load_position(p), std::runtime_error);  // no generation
  write(p, "ring=events\ngeneration=1\nnext_sequence=5\ncolour=blue\n");
  EXPECT_THROW(load_position(p), std::runtime_error);
}
