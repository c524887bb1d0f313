# RINGSIDE_SANITIZE: build every target with a sanitizer (scripts/test: build-asan
# runs the whole suite, build-tsan the shm, engine and gateway tests).
#   address  AddressSanitizer + UndefinedBehaviorSanitizer; any UB report is fatal
#   thread   ThreadSanitizer
# Applied to all targets of the build directory, so libraries and tests agree.
set(RINGSIDE_SANITIZE "" CACHE STRING "Sanitizer build: empty, address (ASan+UBSan) or thread (TSan)")
set_property(CACHE RINGSIDE_SANITIZE PROPERTY STRINGS "" address thread)

if(RINGSIDE_SANITIZE STREQUAL "address")
  set(_ringside_sanitize_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
elseif(RINGSIDE_SANITIZE STREQUAL "thread")
  set(_ringside_sanitize_flags -fsanitize=thread -fno-omit-frame-pointer)
  # GCC warns (-Wtsan) that TSan does not model std::atomic_thread_fence. The
  # shm seqlock relies on fences; the reads they order are the lossy reader's
  # speculative copy, which is hidden from TSan (no_sanitize("thread")), and
  # every other cross-thread access in shm is an atomic or ordered by one.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    list(APPEND _ringside_sanitize_flags -Wno-tsan)
  endif()
elseif(NOT RINGSIDE_SANITIZE STREQUAL "")
  message(FATAL_ERROR "RINGSIDE_SANITIZE must be empty, address or thread, not '${RINGSIDE_SANITIZE}'")
endif()

# GCC 12's flow-based warnings misfire on sanitizer-instrumented code at -O1: object
# sizes of 2^64 - 9 on a std::vector resize that cannot overflow (GCC bugs 105651,
# 107087), "maybe uninitialized" inside std::regex's std::function, "potential null
# dereference" in CLI11's string splitting. The sanitizers check those accesses at
# run time instead, which is these builds' point; the Release build keeps the
# warnings as errors. On ringside_warnings, after its own -Wnull-dereference, so
# that the -Wno- forms come later on the command line and win.
if(_ringside_sanitize_flags AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(ringside_warnings INTERFACE -Wno-stringop-overflow -Wno-stringop-overread
    -Wno-array-bounds -Wno-maybe-uninitialized -Wno-null-dereference)
endif()

if(_ringside_sanitize_flags)
  add_compile_options(${_ringside_sanitize_flags})
  add_link_options(${_ringside_sanitize_flags})
  message(STATUS "ringside: building with ${_ringside_sanitize_flags}")
endif()

# RINGSIDE_FUZZ: the libFuzzer build (tests/fuzz, clang only). Every target is
# instrumented for coverage and built with ASan+UBSan (UB fatal); only the fuzz
# executables link libFuzzer's main (-fsanitize=fuzzer, tests/fuzz/CMakeLists.txt).
option(RINGSIDE_FUZZ "Build the libFuzzer targets in tests/fuzz (clang; instruments every target)" OFF)
if(RINGSIDE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "RINGSIDE_FUZZ needs clang (libFuzzer), not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  if(NOT RINGSIDE_SANITIZE STREQUAL "")
    message(FATAL_ERROR "RINGSIDE_FUZZ brings its own sanitizers: leave RINGSIDE_SANITIZE empty")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  message(STATUS "ringside: fuzz build (libFuzzer, ASan+UBSan)")
endif()
