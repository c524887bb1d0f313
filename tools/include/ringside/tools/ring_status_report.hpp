// What `ringside ls` and `ringside inspect` print: the ring directory's entries
// and one ring's status (shm/ring_status.hpp), as aligned text for people or as
// one JSON object for scripts. Field names and meanings: tools/README.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ringside/shm/ring_status.hpp"

namespace ringside::tools {

// One entry of the ring directory: a ring's status, or why it is not one.
struct RingListing {
  std::string name;
  std::optional<shm::RingStatus> status;
  std::string problem;  // set when status is empty
};

struct RingDirectory {
  std::filesystem::path path;
  bool exists = false;
  std::string problem;  // the directory itself could not be read
  std::vector<RingListing> entries;  // by name
};

// Every entry of `dir` (names starting with '.' are a writer's files being
// created and are left out), each opened read-only: nothing registers as a reader.
RingDirectory list_ring_directory(const std::filesystem::path& dir);

std::string listing_text(const RingDirectory& listing);
std::string listing_json(const RingDirectory& listing);

// The symbols in a ring's metadata, for display.
struct SymbolSummary {
  std::vector<std::string> tickers;
  std::string problem;  // the metadata is not a valid symbol table
};
SymbolSummary summarize_symbols(const shm::RingMap& ring);

// Rates between two snapshots of the same ring.
struct ReaderRate {
  std::uint32_t slot = 0;
  std::optional<double> frames_per_s;  // nullopt: the slot changed hands, or no frame read yet
  double bytes_per_s = 0;
};
struct RingRates {
  double seconds = 0;
  double frames_per_s = 0;  // published by the writer
  double bytes_per_s = 0;   // written into the data region (frames and padding)
  std::vector<ReaderRate> readers;  // for the readers of `after`
};
RingRates measure_rates(const shm::RingStatus& before, const shm::RingStatus& after);

std::string inspect_text(const shm::RingStatus& status, const SymbolSummary& symbols, const RingRates* rates);
std::string inspect_json(const shm::RingStatus& status, const SymbolSummary& symbols, const RingRates* rates);

// "64 MiB", "4 KiB", "1.5 GiB", "123 B".
std::string human_bytes(std::uint64_t bytes);
// "0.8 ms", "12.3 s", "4 min 2 s": an age or a duration in ns.
std::string human_duration(std::int64_t ns);

}  // namespace ringside::tools
