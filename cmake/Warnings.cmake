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
# A unity build (a target with UNITY_BUILD: every test executable, and all of
# scripts/test's sanitized builds) includes .cpp files into one; GCC then takes
# each for a header whose anonymous-namespace types leak into other translation
# units (-Wsubobject-linkage), a false alarm here.
target_compile_options(ringside_warnings INTERFACE
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<BOOL:$<TARGET_PROPERTY:UNITY_BUILD>>>:-Wno-subobject-linkage>)
add_library(ringside::warnings ALIAS ringside_warnings)
