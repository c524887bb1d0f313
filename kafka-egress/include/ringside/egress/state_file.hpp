// The egress's committed position in one ring: every frame of `generation`
// below `next_sequence` is acknowledged by Kafka. A small text file, replaced
// atomically (write a temporary, rename), so a crash leaves the old or the new
// contents, never a mixture:
//
//   # ringside-egress committed position
//   ring=events
//   generation=3
//   next_sequence=1048577
//
// No fsync: the ring lives in shared memory, so anything that loses the page
// cache (power, reboot) loses the ring too; a process crash (kill -9) loses
// neither. An older file only means more duplicates, never loss.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace ringside::egress {

struct CommittedPosition {
  std::string ring;
  std::uint64_t generation = 0;
  std::uint64_t next_sequence = 0;
};

// nullopt if the file does not exist. A file that exists but cannot be read or
// parsed throws std::runtime_error naming the file and line.
std::optional<CommittedPosition> load_position(const std::filesystem::path& file);
// Throws std::system_error when it cannot write.
void save_position(const std::filesystem::path& file, const CommittedPosition& position);

// <state_dir>/egress-<ring>.state
std::filesystem::path position_file(const std::filesystem::path& state_dir, const std::string& ring);

}  // namespace ringside::egress
