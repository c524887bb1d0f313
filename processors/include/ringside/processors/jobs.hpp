// The jobs ringside-proc knows, by name, and their options.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "ringside/processors/aggregates.hpp"
#include "ringside/processors/enrich.hpp"
#include "ringside/processors/ofi.hpp"
#include "ringside/processors/price_alerts.hpp"
#include "ringside/processors/job.hpp"

namespace ringside::processors {

// Every job's options; main.cpp maps the command line onto them.
struct JobOptions {
  AggregatesOptions aggregates;
  AlertOptions alerts;
  EnrichOptions enrich;
  OfiOptions ofi;
};

struct JobInfo {
  std::string_view name;
  std::string_view summary;  // for --help
};

// In --help order.
std::span<const JobInfo> job_catalogue() noexcept;

// The job called `name`; throws std::invalid_argument naming the known jobs, or
// what is wrong with its options.
std::unique_ptr<Job> make_job(std::string_view name, const JobOptions& options);

}  // namespace ringside::processors
