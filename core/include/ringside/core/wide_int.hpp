// 128-bit integers for exact price arithmetic (ticks * tick units * quantity can
// pass 2^63). __extension__ keeps -Wpedantic quiet about the GCC/Clang builtin.
#pragma once

namespace ringside::detail {
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;
}  // namespace ringside::detail
