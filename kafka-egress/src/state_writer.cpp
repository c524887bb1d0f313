#include "ringside/egress/state_writer.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>
#include <utility>

namespace ringside::egress {

namespace {
constexpr auto kRetryDelay = std::chrono::seconds(1);
}

StateWriter::StateWriter(Save save) : save_(std::move(save)), thread_([this] { run(); }) {}

StateWriter::~StateWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

std::uint64_t StateWriter::post(const std::filesystem::path& file, const CommittedPosition& position) {
  std::uint64_t ticket = 0;
  {
    std::lock_guard lock(mutex_);
    pending_[file] = position;
    ticket = ++last_ticket_;
    retrying_ = false;  // a new position is tried at once, and the failed ones with it
  }
  wake_.notify_one();
  return ticket;
}

void StateWriter::flush() {
  std::unique_lock lock(mutex_);
  wake_.notify_one();  // a retry waiting out its delay goes now
  idle_.wait(lock, [&] { return !writing_ && (pending_.empty() || retrying_); });
}

void StateWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (retrying_ && !stopping_) {
      wake_.wait_for(lock, kRetryDelay);
    } else {
      wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
    }
    if (pending_.empty() && stopping_) return;
    std::map<std::filesystem::path, CommittedPosition> batch;
    batch.swap(pending_);
    const std::uint64_t batch_ticket = last_ticket_;  // every post up to it is in the batch or superseded by it
    writing_ = true;
    lock.unlock();
    std::map<std::filesystem::path, CommittedPosition> failed;
    for (auto& [file, position] : batch) {
      try {
        save_(file, position);
      } catch (const std::exception& e) {
        spdlog::error("ring {}: cannot write the committed position (seq {}): {}; trying again", position.ring,
                      position.next_sequence, e.what());
        failed.emplace(file, std::move(position));
      }
    }
    lock.lock();
    writing_ = false;
    // Release: pairs with written()'s acquire load; the files come first.
    if (failed.empty()) written_.store(batch_ticket, std::memory_order_release);
    // A newer position posted meanwhile replaces a failed one.
    const bool posted_meanwhile = !pending_.empty();
    for (auto& [file, position] : failed) pending_.try_emplace(file, std::move(position));
    retrying_ = !failed.empty() && !posted_meanwhile;
    if (stopping_ && !posted_meanwhile) pending_.clear();  // one try on the way out: the next start reads the older file
    if (pending_.empty() || retrying_) idle_.notify_all();
    if (stopping_ && pending_.empty()) return;
  }
}

}  // namespace ringside::egress
