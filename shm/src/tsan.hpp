// Happens-before edges that ThreadSanitizer cannot see for itself.
//
// A reader learns that a frame is committed from the frame's own sequence field,
// loaded speculatively (the writer may be overwriting the bytes around it), so
// that load is hidden from TSan; these annotations tell it what the hardware
// acquire/release pair guarantees. No code in other builds.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define RINGSIDE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RINGSIDE_TSAN 1
#endif
#endif

#if defined(RINGSIDE_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

namespace ringside::shm {

inline void tsan_release(const void* address) noexcept {
#if defined(RINGSIDE_TSAN)
  __tsan_release(const_cast<void*>(address));
#else
  (void)address;
#endif
}

inline void tsan_acquire(const void* address) noexcept {
#if defined(RINGSIDE_TSAN)
  __tsan_acquire(const_cast<void*>(address));
#else
  (void)address;
#endif
}

}  // namespace ringside::shm
