#include "ringside/shm/ring_file.hpp"

#include <fcntl.h>
#include <grp.h>
extern "C" {
#include <hugetlbfs.h>  // a C header without extern "C" of its own
}
#include <numa.h>
#include <numaif.h>
#include <sched.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ringside/core/events.hpp"

namespace ringside::shm {
namespace fs = std::filesystem;
namespace {

constexpr std::uint64_t kHugePageSize = 2ull << 20;
constexpr std::uint64_t kSmallPageSize = 4096;
constexpr mode_t kFileMode = 0640;
constexpr mode_t kDirMode = 0750;

std::string errno_text(int error) { return std::strerror(error); }

std::uint64_t align_up(std::uint64_t n, std::uint64_t to) { return (n + to - 1) / to * to; }

// Closes a descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string read_first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The bracketed choice in a sysfs THP setting: "always within_size advise [never] deny force".
std::string thp_setting(const char* path) {
  const std::string line = read_first_line(path);
  const auto open = line.find('[');
  const auto close = line.find(']');
  return open == std::string::npos || close == std::string::npos ? "unknown" : line.substr(open + 1, close - open - 1);
}

fs::path huge_directory() {
  if (const char* dir = std::getenv("RINGSIDE_HUGE_DIR"); dir != nullptr && *dir != '\0') return dir;
  const char* mount = hugetlbfs_find_path_for_size(static_cast<long>(kHugePageSize));
  return mount == nullptr ? fs::path{} : fs::path(mount) / "ringside";
}

// The group ring files and the ring directory belong to: options.group, else
// $RINGSIDE_RING_GROUP, else none (the creating process's group). A name or a
// number; unknown is an error, never a silent fallback to wider access.
std::optional<gid_t> ring_group(const std::string& requested) {
  std::string name = requested;
  if (name.empty()) {
    if (const char* env = std::getenv("RINGSIDE_RING_GROUP"); env != nullptr) name = env;
  }
  if (name.empty()) return std::nullopt;
  std::vector<char> buffer(16384);
  group entry{};
  group* found = nullptr;
  const int error = ::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (found != nullptr) return found->gr_gid;
  if (name.find_first_not_of("0123456789") == std::string::npos && name.size() < 10) {
    return static_cast<gid_t>(std::stoul(name));
  }
  throw RingError("ring group '" + name + "' (CreateOptions::group or $RINGSIDE_RING_GROUP): " +
                  (error != 0 ? errno_text(error) : std::string("no such group")));
}

// Gives `fd` (or the directory at `path`) to the ring group; a writer that is not a
// member of the group gets EPERM, named here.
void give_to_group(int fd, const fs::path& path, std::optional<gid_t> gid) {
  if (!gid) return;
  const int rc = fd >= 0 ? ::fchown(fd, static_cast<uid_t>(-1), *gid) : ::chown(path.c_str(), static_cast<uid_t>(-1), *gid);
  if (rc != 0) {
    throw RingError(path.string() + ": cannot give it to group " + std::to_string(*gid) + ": " + errno_text(errno));
  }
}

// libhugetlbfs finds mounts; the free-page count comes from sysfs.
long free_hugepage_count() {
  const std::string line = read_first_line("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
  return line.empty() ? 0 : std::strtol(line.c_str(), nullptr, 10);
}

struct Layout {
  std::uint64_t page_size;
  std::uint64_t capacity;
  std::uint64_t metadata_size;
  std::uint64_t reader_table_offset;
  std::uint64_t data_offset;
  std::uint64_t file_size;
};

Layout plan(std::uint64_t page_size, std::uint64_t requested_capacity, std::uint64_t metadata_size) {
  Layout l{};
  l.page_size = page_size;
  const std::uint64_t minimum = std::max<std::uint64_t>(4 * kMaxFrameLength, page_size);
  l.capacity = std::bit_ceil(std::max(requested_capacity, minimum));
  l.metadata_size = metadata_size;
  l.reader_table_offset = align_up(kHeaderPage + metadata_size, page_size);
  l.data_offset = l.reader_table_offset + align_up(kReaderSlots * sizeof(ReaderSlot), page_size);
  l.file_size = l.data_offset + l.capacity;
  return l;
}

void* map(int fd, std::uint64_t offset, std::uint64_t length, int protection, int extra_flags,
          const fs::path& file) {
  void* p = ::mmap(nullptr, length, protection, MAP_SHARED | extra_flags, fd, static_cast<off_t>(offset));
  if (p == MAP_FAILED) {
    throw RingError(file.string() + ": mmap of " + std::to_string(length) + " bytes at offset " +
                    std::to_string(offset) + " failed: " + errno_text(errno));
  }
  return p;
}

// The generation a new writer takes: one past the current file's, if any.
std::uint64_t previous_generation(const fs::path& path, std::uint32_t& live_writer) {
  live_writer = 0;
  Fd fd{::open(path.c_str(), O_RDWR | O_CLOEXEC)};
  if (fd.fd < 0) return 0;
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0 || static_cast<std::uint64_t>(st.st_size) < kHeaderPage) return 0;
  // A whole page of the backing: munmap of a hugetlbfs mapping fails (EINVAL) unless
  // its length is a multiple of the huge page size, and the mapping would leak.
  const std::size_t length = std::max<std::size_t>(kHeaderPage, static_cast<std::size_t>(st.st_blksize));
  void* p = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd.fd, 0);
  if (p == MAP_FAILED) return 0;
  auto* h = static_cast<RingHeader*>(p);
  std::uint64_t generation = 0;
  if (h->magic == kMagic && h->layout_version == kLayoutVersion) {
    generation = h->generation;
    const auto state = static_cast<WriterState>(h->writer_state.load(std::memory_order_acquire));
    if (state == WriterState::Running && h->writer_pid != static_cast<std::uint32_t>(::getpid()) &&
        process_alive(h->writer_pid)) {
      live_writer = h->writer_pid;
    } else {
      // Readers still mapping the old generation learn from this that it is over.
      h->writer_state.store(static_cast<std::uint32_t>(WriterState::Superseded), std::memory_order_release);
    }
  }
  ::munmap(p, length);
  return generation;
}

}  // namespace

Mapping::Mapping(Mapping&& other) noexcept
    : address_(std::exchange(other.address_, nullptr)), length_(std::exchange(other.length_, 0)) {}

Mapping& Mapping::operator=(Mapping&& other) noexcept {
  if (this != &other) {
    if (address_ != nullptr) ::munmap(address_, length_);
    address_ = std::exchange(other.address_, nullptr);
    length_ = std::exchange(other.length_, 0);
  }
  return *this;
}

Mapping::~Mapping() {
  if (address_ != nullptr) ::munmap(address_, length_);
}

std::span<const std::byte> RingMap::metadata() const noexcept {
  return {header_region.data() + header->metadata_offset, header->metadata_size};
}

std::int64_t monotonic_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t realtime_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

bool process_alive(std::uint32_t pid) noexcept {
  if (pid == 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

fs::path ring_directory() {
  if (const char* dir = std::getenv("RINGSIDE_SHM_DIR"); dir != nullptr && *dir != '\0') return dir;
  return "/dev/shm/ringside";
}

void check_ring_name(std::string_view name) {
  const bool ok = !name.empty() && name.size() < 64 && name.front() != '.' &&
                  name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
                      std::string_view::npos;
  if (!ok) {
    throw RingError("bad ring name '" + std::string(name) + "': use 1-63 of A-Z a-z 0-9 . _ -, not starting with '.'");
  }
}

fs::path ring_path(std::string_view name) {
  check_ring_name(name);
  return ring_directory() / std::string(name);
}

std::string describe(const BackingReport& r) {
  std::string s = r.backing == Backing::Hugetlbfs ? "hugetlbfs" : "shared memory (/dev/shm)";
  s += ", " + (r.page_size >= kHugePageSize ? std::to_string(r.page_size >> 20) + " MiB" : std::to_string(r.page_size >> 10) + " KiB") + " pages";
  s += r.locked ? ", locked" : ", not locked";
  if (r.numa_node >= 0) s += ", NUMA node " + std::to_string(r.numa_node);
  if (!r.note.empty()) s += " (" + r.note + ")";
  return s;
}

void check_ring_header(const RingHeader& h, std::uint64_t file_size, const fs::path& file) {
  const auto fail = [&](const std::string& problem) { throw RingError(file.string() + ": " + problem); };
  if (file_size < sizeof(RingHeader)) {
    fail("truncated: " + std::to_string(file_size) + " bytes, smaller than a ring header");
  }
  if (h.magic != kMagic) fail("not a ringside ring (wrong magic)");
  if (h.layout_version != kLayoutVersion) {
    fail("layout version " + std::to_string(h.layout_version) + ", this build reads " + std::to_string(kLayoutVersion));
  }
  if (h.frame_alignment != kFrameAlignment) {
    fail("frame alignment " + std::to_string(h.frame_alignment) + ", this build uses " + std::to_string(kFrameAlignment));
  }
  if (h.capacity == 0 || !std::has_single_bit(h.capacity)) fail("capacity " + std::to_string(h.capacity) + " is not a power of two");
  if (h.page_size == 0 || h.data_offset % h.page_size != 0 || h.reader_table_offset % h.page_size != 0) {
    fail("regions not aligned to the page size " + std::to_string(h.page_size));
  }
  if (h.reader_slots == 0 || h.reader_slots > kReaderSlots ||
      h.reader_table_offset + h.reader_slots * sizeof(ReaderSlot) > h.data_offset) {
    fail("reader table does not fit before the data region");
  }
  // Written so that no sum can wrap around: the numbers come from the file.
  if (h.metadata_offset < sizeof(RingHeader) || h.metadata_offset > h.reader_table_offset ||
      h.metadata_size > h.reader_table_offset - h.metadata_offset) {
    fail("metadata block does not fit in the header region");
  }
  if (h.file_size != h.data_offset + h.capacity) fail("header sizes are inconsistent");
  if (file_size < h.file_size) {
    fail("truncated: " + std::to_string(file_size) + " bytes, the header says " + std::to_string(h.file_size));
  }
  if (h.max_frame_length < sizeof(FrameHeader) || h.max_frame_length > h.capacity / 2) {
    fail("max frame length " + std::to_string(h.max_frame_length) + " does not fit the capacity");
  }
  // A longer frame would overflow a lossy reader's copy buffer (FrameBuffer).
  if (h.max_frame_length > kMaxFrameLength) {
    fail("max frame length " + std::to_string(h.max_frame_length) + ", this build's largest frame is " +
         std::to_string(kMaxFrameLength));
  }
}

RingMap create_ring(std::string_view name, const CreateOptions& options) {
  const fs::path path = ring_path(name);
  const fs::path dir = ring_directory();
  const std::optional<gid_t> gid = ring_group(options.group);
  std::error_code ec;
  const bool made_dir = fs::create_directories(dir, ec);
  if (ec) throw RingError(dir.string() + ": cannot create the ring directory: " + ec.message());
  ::chmod(dir.c_str(), kDirMode);
  // Only a directory this writer made changes group: an operator's existing
  // directory keeps the group it was given.
  if (made_dir) give_to_group(-1, dir, gid);

  std::uint32_t live_writer = 0;
  const std::uint64_t generation = previous_generation(path, live_writer) + 1;
  if (live_writer != 0) {
    throw RingError(path.string() + ": ring '" + std::string(name) + "' already has a live writer (pid " +
                    std::to_string(live_writer) + ")");
  }

  // Choose the backing: hugetlbfs when asked or when enough 2 MiB pages are free.
  BackingReport report;
  const Layout huge = plan(kHugePageSize, options.capacity, options.metadata.size());
  const fs::path hugedir = options.backing == BackingChoice::SharedMemory ? fs::path{} : huge_directory();
  const long free_pages = free_hugepage_count();
  const auto pages_needed = static_cast<long>(huge.file_size / kHugePageSize);
  bool use_huge = false;
  std::string why;
  if (options.backing == BackingChoice::SharedMemory) {
    why = "shared memory requested";
  } else if (hugedir.empty()) {
    why = "no hugetlbfs mount for 2 MiB pages";
  } else if (hugetlbfs_test_path(hugedir.parent_path().c_str()) != 1 && hugetlbfs_test_path(hugedir.c_str()) != 1) {
    why = hugedir.string() + " is not on hugetlbfs";
  } else if (free_pages < pages_needed) {
    why = std::to_string(free_pages < 0 ? 0 : free_pages) + " free 2 MiB hugepages, " + std::to_string(pages_needed) + " needed";
  } else {
    use_huge = true;
  }
  if (!use_huge && options.backing == BackingChoice::Hugetlbfs) {
    throw RingError(path.string() + ": hugetlbfs backing requested but unavailable: " + why);
  }
  const Layout layout = use_huge ? huge : plan(kSmallPageSize, options.capacity, options.metadata.size());

  // Build the new generation under a temporary name, then rename it into place.
  const std::string unique = "." + std::string(name) + ".g" + std::to_string(generation) + "." + std::to_string(::getpid());
  fs::path file = use_huge ? hugedir / ((std::to_string(fs::hash_value(dir)) + "-") + std::string(name) + ".g" + std::to_string(generation)) : dir / unique;
  if (use_huge) {
    fs::create_directories(hugedir, ec);
    if (ec) throw RingError(hugedir.string() + ": cannot create: " + ec.message());
  }
  Fd fd{::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode)};
  if (fd.fd < 0) throw RingError(file.string() + ": cannot create: " + errno_text(errno));
  ::fchmod(fd.fd, kFileMode);  // whatever the umask says
  auto discard = [&] { ::unlink(file.c_str()); };
  try {
    give_to_group(fd.fd, file, gid);
  } catch (...) {
    discard();
    throw;
  }
  if (::ftruncate(fd.fd, static_cast<off_t>(layout.file_size)) != 0) {
    const int error = errno;
    discard();
    throw RingError(file.string() + ": cannot size to " + std::to_string(layout.file_size) + " bytes: " + errno_text(error));
  }
  // Allocate every block now: ftruncate only makes a sparse file, and on a full
  // filesystem (a small tmpfs, /dev/shm over its size limit, hugetlbfs pages taken
  // meanwhile) the first touch of a missing page below would be SIGBUS instead of
  // an error naming the file (ENOSPC). Filesystems without fallocate keep the old path.
  if (::fallocate(fd.fd, 0, 0, static_cast<off_t>(layout.file_size)) != 0 && errno != EOPNOTSUPP &&
      errno != ENOSYS) {
    const int error = errno;
    discard();
    throw RingError(file.string() + ": cannot allocate " + std::to_string(layout.file_size) + " bytes for the ring (" +
                    (use_huge ? "hugetlbfs" : "its directory's filesystem") + "): " + errno_text(error));
  }

  RingMap m;
  m.name = std::string(name);
  m.path = path;
  try {
    // MAP_POPULATE pre-faults every page now, so no event ever takes a page fault.
    m.header_region = Mapping(map(fd.fd, 0, layout.reader_table_offset, PROT_READ | PROT_WRITE, MAP_POPULATE, file),
                              layout.reader_table_offset);
    m.reader_table = Mapping(map(fd.fd, layout.reader_table_offset, layout.data_offset - layout.reader_table_offset,
                                 PROT_READ | PROT_WRITE, MAP_POPULATE, file),
                             layout.data_offset - layout.reader_table_offset);
    void* data = map(fd.fd, layout.data_offset, layout.capacity, PROT_READ | PROT_WRITE, 0, file);
    m.data_region = Mapping(data, layout.capacity);
  } catch (...) {
    discard();
    throw;
  }

  report.backing = use_huge ? Backing::Hugetlbfs : Backing::SharedMemory;
  report.page_size = layout.page_size;
  report.file = use_huge ? file : path;  // a /dev/shm file is renamed to `path` below
  if (!use_huge) {
    // Transparent hugepages for shmem are only a request: the kernel setting decides.
    ::madvise(m.data_region.data(), layout.capacity, MADV_HUGEPAGE);
    report.note = why + "; THP requested, shmem_enabled=" + thp_setting("/sys/kernel/mm/transparent_hugepage/shmem_enabled");
  }
  if (options.bind_numa && numa_available() >= 0) {
    // libnuma fills its node-to-CPU cache in plain globals on first use: two
    // threads creating rings at once (an order-entry client and the engine in one
    // test process) would race on it. Ring creation is rare; a lock is free here.
    static std::mutex numa_calls;
    const std::lock_guard lock(numa_calls);
    const int cpu = ::sched_getcpu();
    const int node = cpu >= 0 ? numa_node_of_cpu(cpu) : -1;
    if (node >= 0) {
      numa_tonode_memory(m.data_region.data(), layout.capacity, node);
      report.numa_node = node;
    }
  }
  // Fault every data page in now, after the NUMA binding so pages land on the right node.
  for (std::uint64_t off = 0; off < layout.capacity; off += layout.page_size) {
    reinterpret_cast<volatile std::byte*>(m.data_region.data())[off] = std::byte{0};
  }
  if (options.lock_memory) {
    report.locked = ::mlock(m.header_region.data(), m.header_region.size()) == 0 &&
                    ::mlock(m.reader_table.data(), m.reader_table.size()) == 0 &&
                    ::mlock(m.data_region.data(), m.data_region.size()) == 0;
    if (!report.locked) {
      report.note += std::string(report.note.empty() ? "" : "; ") + "mlock failed: " + errno_text(errno) +
                     " (raise LimitMEMLOCK / ulimit -l)";
    }
  }

  m.header = reinterpret_cast<RingHeader*>(m.header_region.data());
  m.slots = reinterpret_cast<ReaderSlot*>(m.reader_table.data());
  m.data = m.data_region.data();
  RingHeader& h = *m.header;
  h.magic = kMagic;
  h.layout_version = kLayoutVersion;
  h.frame_alignment = static_cast<std::uint32_t>(kFrameAlignment);
  h.capacity = layout.capacity;
  h.file_size = layout.file_size;
  h.reader_table_offset = layout.reader_table_offset;
  h.data_offset = layout.data_offset;
  h.reader_slots = kReaderSlots;
  h.backing = report.backing;
  h.page_size = layout.page_size;
  h.generation = generation;
  h.created_ns = realtime_ns();
  h.metadata_offset = kHeaderPage;
  h.metadata_size = options.metadata.size();
  h.reader_timeout_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(options.reader_timeout).count();
  h.writer_pid = static_cast<std::uint32_t>(::getpid());
  h.max_frame_length = static_cast<std::uint32_t>(std::min<std::uint64_t>(kMaxFrameLength, layout.capacity / 4));
  std::snprintf(h.name, sizeof h.name, "%s", m.name.c_str());
  if (!options.metadata.empty()) {
    std::memcpy(m.header_region.data() + kHeaderPage, options.metadata.data(), options.metadata.size());
  }
  h.heartbeat_ns.store(monotonic_ns(), std::memory_order_relaxed);
  // Running is published last (release): a reader that sees it sees the whole header.
  h.writer_state.store(static_cast<std::uint32_t>(WriterState::Running), std::memory_order_release);

  struct stat st {};
  ::fstat(fd.fd, &st);
  m.device = st.st_dev;
  m.inode = st.st_ino;

  // Swap the new generation in under the name, atomically.
  const fs::path staging = dir / (unique + ".link");
  if (use_huge) {
    ::unlink(staging.c_str());
    if (::symlink(file.c_str(), staging.c_str()) != 0) {
      const int error = errno;
      discard();
      throw RingError(staging.string() + ": cannot create symlink: " + errno_text(error));
    }
  }
  // The old generation's hugetlbfs file is released once its name no longer points at it.
  std::error_code old_ec;
  const fs::path old_target = fs::is_symlink(path, old_ec) ? fs::read_symlink(path, old_ec) : fs::path{};
  if (::rename((use_huge ? staging : file).c_str(), path.c_str()) != 0) {
    const int error = errno;
    discard();
    throw RingError(path.string() + ": cannot publish the ring: " + errno_text(error));
  }
  if (!old_target.empty() && old_target != file) ::unlink(old_target.c_str());

  m.backing = report;
  spdlog::info("ring '{}': generation {} created at {}, {} MiB data, backing {}", m.name, generation, path.string(),
               layout.capacity >> 20, describe(report));
  return m;
}

RingMap open_ring(std::string_view name, bool register_slots, std::chrono::milliseconds wait) {
  const fs::path path = ring_path(name);
  const auto deadline = std::chrono::steady_clock::now() + wait;
  Fd fd;
  bool writable = register_slots;
  for (;;) {
    writable = register_slots;  // again on every attempt: an earlier one may have failed with ENOENT
    // O_NONBLOCK: a FIFO or device under the ring's name must not block the open;
    // the regular-file check below refuses it.
    fd.fd = register_slots ? ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK) : -1;
    int error = errno;
    // A reader without write permission (group 0640) reads unregistered. Only a
    // permission refusal falls back: after ENOENT the writer may rename the ring in
    // between the two opens, and a read-only retry would then attach a reader that
    // asked for a slot without one (the writer would never see it).
    if (fd.fd < 0 && (!register_slots || error == EACCES || error == EPERM || error == EROFS)) {
      fd.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
      error = errno;
      writable = false;
    }
    if (fd.fd >= 0) break;
    if (error != ENOENT) throw RingError(path.string() + ": cannot open: " + errno_text(error));
    if (std::chrono::steady_clock::now() >= deadline) {
      throw RingError(path.string() + ": no ring named '" + std::string(name) + "' in " + ring_directory().string() +
                          (wait.count() > 0 ? " (waited " + std::to_string(wait.count()) + " ms)" : ""),
                      RingError::Cause::Missing);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) throw RingError(path.string() + ": cannot stat: " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) throw RingError(path.string() + ": not a ring (not a regular file)");
  const auto file_size = static_cast<std::uint64_t>(st.st_size);

  // Read the header through a copy before trusting any of its numbers.
  RingHeader copy;
  if (file_size < sizeof(RingHeader)) {
    throw RingError(path.string() + ": truncated: " + std::to_string(file_size) + " bytes, smaller than a ring header");
  }
  // pread, not a 4 KiB mapping: on hugetlbfs that mapping could not be unmapped (EINVAL) and would leak.
  if (::pread(fd.fd, static_cast<void*>(&copy), sizeof copy, 0) != static_cast<ssize_t>(sizeof copy)) {
    throw RingError(path.string() + ": cannot read the ring header: " + errno_text(errno));
  }
  check_ring_header(copy, file_size, path);

  RingMap m;
  m.name = std::string(name);
  m.path = path;
  m.header_region = Mapping(map(fd.fd, 0, copy.reader_table_offset, PROT_READ, 0, path), copy.reader_table_offset);
  const std::uint64_t table_size = copy.data_offset - copy.reader_table_offset;
  const int table_protection = writable ? PROT_READ | PROT_WRITE : PROT_READ;
  m.slots_writable = writable;
  m.reader_table = Mapping(map(fd.fd, copy.reader_table_offset, table_size, table_protection, 0, path), table_size);
  m.data_region = Mapping(map(fd.fd, copy.data_offset, copy.capacity, PROT_READ, MAP_POPULATE, path), copy.capacity);
  m.header = reinterpret_cast<RingHeader*>(m.header_region.data());
  m.slots = reinterpret_cast<ReaderSlot*>(m.reader_table.data());
  m.data = m.data_region.data();
  m.device = st.st_dev;
  m.inode = st.st_ino;
  m.backing.backing = copy.backing;
  m.backing.page_size = copy.page_size;
  std::error_code ec;
  m.backing.file = fs::is_symlink(path, ec) ? fs::read_symlink(path, ec) : path;
  return m;
}

void remove_ring(std::string_view name) {
  const fs::path path = ring_path(name);
  std::error_code ec;
  if (fs::is_symlink(path, ec)) {
    const fs::path target = fs::read_symlink(path, ec);
    if (!ec) ::unlink(target.c_str());
  }
  ::unlink(path.c_str());
}

}  // namespace ringside::shm
