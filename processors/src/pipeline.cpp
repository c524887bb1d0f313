#include "ringside/processors/pipeline.hpp"

#include <utility>

namespace ringside::processors {

Pipeline::Pipeline(std::vector<std::unique_ptr<Job>> jobs, std::int64_t out_of_orderness_ns)
    : jobs_(std::move(jobs)), clock_(out_of_orderness_ns) {
  for (const EventType type : kAllEventTypes) {
    for (const auto& job : jobs_) {
      if (job->reads(type)) readers_[static_cast<std::uint8_t>(type) & 15u].push_back(job.get());
    }
  }
}

void Pipeline::bind(const SymbolTable& symbols) {
  clock_.reset();
  last_time_ = kNoTime;
  for (const auto& job : jobs_) job->bind(symbols);
}

void Pipeline::gap(std::uint64_t missed, const FrameHeader& next) {
  const Gap g{missed, last_time_, next.event_time_ns};
  for (const auto& job : jobs_) job->on_gap(g);
}

void Pipeline::end_of_stream(RecordSink& out) {
  const EventContext context{clock_.watermark(), wall_ns_};
  for (const auto& job : jobs_) job->end_of_stream(context, out);
  clock_.reset();
  last_time_ = kNoTime;
}

void Pipeline::advance(RecordSink& out) {
  const EventContext context{clock_.watermark(), wall_ns_};
  for (const auto& job : jobs_) {
    if (context.watermark_ns >= job->next_timer_ns()) job->on_watermark(context, out);
  }
}

}  // namespace ringside::processors
