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
add_library(ringside::warnings ALIAS ringside_warnings)
