// Ring files: naming, backing (hugetlbfs or /dev/shm), creation, mapping and
// validation. The concurrency lives in writer.hpp and reader.hpp; this file only
// gets the bytes into memory and checks they are a ring.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ringside/shm/layout.hpp"

namespace ringside::shm {

// Any problem with a ring file or name; what() names the file and the problem.
// missing() tells "no ring of that name" apart from every other problem, so a
// caller waiting for a writer need not look at the file system again: by then
// the writer may have put the ring in place, and the failure would look like damage.
class RingError : public std::runtime_error {
 public:
  enum class Cause { Other, Missing };
  explicit RingError(const std::string& what, Cause cause = Cause::Other) : std::runtime_error(what), cause_(cause) {}
  bool missing() const { return cause_ == Cause::Missing; }

 private:
  Cause cause_;
};

// The directory rings are named in: $RINGSIDE_SHM_DIR, else /dev/shm/ringside.
// A ring on hugetlbfs is a symlink here to its file on the hugetlbfs mount
// ($RINGSIDE_HUGE_DIR, else the 2 MiB mount libhugetlbfs finds, + /ringside).
std::filesystem::path ring_directory();
std::filesystem::path ring_path(std::string_view name);
// Names are 1..63 of [A-Za-z0-9._-], not starting with '.'. Throws RingError.
void check_ring_name(std::string_view name);

enum class BackingChoice { Auto, Hugetlbfs, SharedMemory };

// What a mapping actually got, for the API and the logs.
struct BackingReport {
  Backing backing = Backing::SharedMemory;
  std::uint64_t page_size = 4096;
  std::filesystem::path file;       // the real file (the hugetlbfs file behind the symlink)
  std::string note;                 // why this backing, THP state, mlock and NUMA outcome
  bool locked = false;              // mlock succeeded
  int numa_node = -1;               // node the data is bound to, -1 if not bound
};
std::string describe(const BackingReport&);

// A contiguous mapping, unmapped on destruction.
class Mapping {
 public:
  Mapping() = default;
  Mapping(void* address, std::size_t length) noexcept : address_(address), length_(length) {}
  Mapping(Mapping&& other) noexcept;
  Mapping& operator=(Mapping&& other) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping();

  std::byte* data() const noexcept { return static_cast<std::byte*>(address_); }
  std::size_t size() const noexcept { return length_; }

 private:
  void* address_ = nullptr;
  std::size_t length_ = 0;
};

// The three regions of a ring file, mapped. Header and metadata are read-only
// for readers; the reader table is writable for anyone who registers; data is
// writable only for the writer.
struct RingMap {
  std::string name;
  std::filesystem::path path;       // the name in ring_directory()
  Mapping header_region;
  Mapping reader_table;
  Mapping data_region;
  RingHeader* header = nullptr;     // in header_region (const for readers by convention and by PROT_READ)
  ReaderSlot* slots = nullptr;
  std::byte* data = nullptr;
  dev_t device = 0;                 // identity of the mapped file, to notice a replaced ring
  ino_t inode = 0;
  bool slots_writable = false;      // this process may register in the reader table
  BackingReport backing;

  std::span<const std::byte> metadata() const noexcept;
};

struct CreateOptions {
  std::uint64_t capacity = 64ull << 20;          // data bytes; rounded up to a power of two
  BackingChoice backing = BackingChoice::Auto;
  std::span<const std::byte> metadata;           // e.g. SymbolTable::to_image()
  std::chrono::milliseconds reader_timeout{5000};
  bool lock_memory = true;                       // mlock the whole file
  bool bind_numa = true;                         // bind to the calling thread's NUMA node
  // Group of the ring file (0640: the group reads) and of a ring directory this
  // writer creates (0750): a name or number; empty: $RINGSIDE_RING_GROUP, else
  // the writer's own group. An unknown group, or one the writer may not give
  // files to, is refused with a RingError.
  std::string group;
};

// Creates a ring file for a new writer generation and swaps it in under the
// name atomically; readers of the previous generation keep their mapping and
// see it marked Superseded. Refuses when a live writer holds the name.
RingMap create_ring(std::string_view name, const CreateOptions& options);

// Maps an existing ring for reading. With register_slots the reader table is
// writable. wait: how long to wait for the ring to appear (0: fail at once).
RingMap open_ring(std::string_view name, bool register_slots, std::chrono::milliseconds wait);

// Removes the ring's name (and its hugetlbfs file). Mappings stay valid.
void remove_ring(std::string_view name);

// Validates a ring header read from `file` of `file_size` bytes; throws RingError
// naming the file and the problem (wrong magic, layout version, alignment, sizes).
void check_ring_header(const RingHeader& header, std::uint64_t file_size, const std::filesystem::path& file);

// Whether the process exists (kill(pid, 0)); a zombie counts as alive, which is
// why heartbeats back this up.
bool process_alive(std::uint32_t pid) noexcept;

std::int64_t monotonic_ns() noexcept;
std::int64_t realtime_ns() noexcept;

// later - earlier for times read from a ring file (heartbeats, publish times),
// saturated: a corrupt file's numbers must not overflow.
inline std::int64_t elapsed_ns(std::int64_t later, std::int64_t earlier) noexcept {
  std::int64_t d = 0;
  if (__builtin_sub_overflow(later, earlier, &d)) return earlier < 0 ? INT64_MAX : INT64_MIN;
  return d;
}

}  // namespace ringside::shm
