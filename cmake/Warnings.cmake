# ringside_warnings: the warning set every ringside target compiles with.
# With RINGSIDE_WERROR (scripts/test, CI) any warning fails the build.
add_library(ringside_warnings INTERFACE)
target_compile_options(ringside_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(RINGSIDE_WERROR)
  target_compile_options(ringside_warnings INTERFACE -Werror)
endif()
# A unity build (CMAKE_UNITY_BUILD: scripts/test's sanitized builds) includes
# .cpp files into one; GCC then takes each for a header whose anonymous-namespace
# types leak into other translation units (-Wsubobject-linkage), a false alarm here.
if(CMAKE_UNITY_BUILD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(ringside_warnings INTERFACE -Wno-subobject-linkage)
endif()
add_library(ringside::warnings ALIAS ringside_warnings)
