// The copy of a seqlock read: it may race with the writer overwriting the bytes,
// which the caller detects afterwards by re-checking the overwrite horizon, and
// then discards the copy. Hidden from TSan for that reason; nothing read here is
// used before that check passes. Shared by the lossy reader and ring_status.
#pragma once

#include <cstddef>
#include <cstring>

#include "frame_copy.hpp"

#if defined(__SANITIZE_THREAD__)
#define RINGSIDE_SPECULATIVE_COPY_BY_BYTES 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RINGSIDE_SPECULATIVE_COPY_BY_BYTES 1
#endif
#endif

namespace ringside::shm {

__attribute__((no_sanitize("thread"))) inline void speculative_copy(void* to, const void* from,
                                                                   std::size_t n) noexcept {
#ifdef RINGSIDE_SPECULATIVE_COPY_BY_BYTES
  // no_sanitize("thread") leaves this function's own loads uninstrumented, but a
  // memcpy it calls (any length not known at compile time) goes through TSan's
  // interceptor, which checks the source bytes and reports the race anyway.
  // Volatile loads are never turned back into a memcpy call.
  auto* out = static_cast<unsigned char*>(to);
  const auto* in = static_cast<const volatile unsigned char*>(from);
  for (std::size_t i = 0; i < n; ++i) out[i] = in[i];
#else
  copy_frame_bytes(to, from, n);
#endif
}

}  // namespace ringside::shm
