// The copy of a seqlock read: it may race with the writer overwriting the bytes,
// which the caller detects afterwards by re-checking the overwrite horizon, and
// then discards the copy. Hidden from TSan for that reason; nothing read here is
// used before that check passes. Shared by the lossy reader and ring_status.
#pragma once

#include <cstddef>
#include <cstring>

namespace ringside::shm {

__attribute__((no_sanitize("thread"))) inline void speculative_copy(void* to, const void* from,
                                                                   std::size_t n) noexcept {
  std::memcpy(to, from, n);
}

}  // namespace ringside::shm
