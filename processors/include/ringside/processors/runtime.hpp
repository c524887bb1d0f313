// ringside-proc's runtime: a lossy reader on the input ring feeding a Pipeline,
// and the records into an output ring (and optionally stdout as NDJSON).
//
// - Attaches by name as a lossy reader, from the oldest frame still in the ring
//   or the newest; never slows the writer. Frames are read in batches; each is
//   checked (check_frame against the ring's symbol table) before a job sees it.
// - A lap is a gap: reported on stderr with the exact frames missed, passed to
//   the jobs (windows it may touch are flagged), and reading continues at the
//   newest frame.
// - Follows the writer like `ringside tail`: when the writer closes or dies the
//   stream ends (pending windows fire) and the runtime waits for a new writer;
//   a new generation is read from its first frame as a new stream.
// - The output ring carries the input ring's symbol table as its metadata, so
//   its records are self-describing; if a new input generation brings another
//   table, the output ring starts a new generation with it.
// - Status lines on stderr every few seconds, a summary at the end.
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ringside/processors/jobs.hpp"
#include "ringside/shm/reader.hpp"

namespace ringside::processors {

// A problem with the command line or the input ring, told to the user (exit status 2).
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& what) : std::runtime_error(what) {}
};

struct RuntimeOptions {
  std::string input = "events";
  std::vector<std::string> jobs;
  std::string output = "analytics";
  std::uint64_t output_capacity = 16ull << 20;  // bytes of the output ring's data
  bool ndjson = false;                          // also every record as the JSON envelope on stdout
  shm::StartAt start = shm::StartAt::Newest;
  double wait_s = 0;                            // for the input ring to appear
  bool exit_on_close = false;                   // stop when the input's writer closes or dies
  std::int64_t out_of_orderness_ns = 5'000'000'000;
  double status_interval_s = 5;                 // 0: no status lines
  JobOptions job_options;
};

// Runs until `stop` is set (SIGINT, SIGTERM) or, with exit_on_close, the input
// ends. Throws UsageError for bad options or an input ring that cannot be read,
// shm::RingError for an output ring that cannot be created.
void run_processor(const RuntimeOptions& options, const std::atomic<bool>& stop);

// "5s", "30s", "1m", "250ms", "2.5s", "1h"; a bare number is seconds. Throws
// std::invalid_argument naming the text.
std::int64_t parse_duration_ns(std::string_view text);

}  // namespace ringside::processors
