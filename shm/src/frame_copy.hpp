// Copies a frame's bytes, inline. Frames are short and their lengths multiples of
// 8 (kFrameAlignment): 16 bytes a step, then the last 8, with no call, where a
// memcpy of a length unknown at compile time is a call into libc that looks the
// length over first. Read and publish each paid ~4 ns for it on a 64-byte frame
// (bench/README.md, "Ring benchmarks"). Longer frames go to memcpy, which moves
// them in wider steps.
#pragma once

#include <cstddef>
#include <cstring>

#include "ringside/core/frame.hpp"

namespace ringside::shm {

inline constexpr std::size_t kInlineCopyMax = 256;
static_assert(kFrameAlignment == 8, "copy_frame_bytes ends with an 8-byte step");

inline void copy_frame_bytes(void* to, const void* from, std::size_t n) noexcept {
  if (n > kInlineCopyMax || n % kFrameAlignment != 0) {
    std::memcpy(to, from, n);
    return;
  }
  auto* out = static_cast<std::byte*>(to);
  const auto* in = static_cast<const std::byte*>(from);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) std::memcpy(out + i, in + i, 16);
  if (i < n) std::memcpy(out + i, in + i, 8);
}

}  // namespace ringside::shm
