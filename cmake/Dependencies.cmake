# Every third-party dependency, found on the system (Debian bookworm packages,
# installed by scripts/install-deps). Nothing is downloaded at build time.
# Each is exposed as an imported target; components link only what they use.
find_package(PkgConfig REQUIRED)

find_package(Boost 1.74 REQUIRED)                  # interprocess, lockfree, beast/asio: header-only
find_package(fmt 9 CONFIG REQUIRED)
find_package(spdlog 1.10 CONFIG REQUIRED)
find_package(tomlplusplus 3 CONFIG REQUIRED)
find_package(CLI11 2 CONFIG REQUIRED)
find_package(FlatBuffers 2 CONFIG REQUIRED)   # flatbuffers::flatbuffers, flatbuffers::flatc
find_program(FLATC_EXECUTABLE flatc REQUIRED)   # the schema compiler, run at build time

pkg_check_modules(liburing REQUIRED IMPORTED_TARGET liburing>=2.3)
pkg_check_modules(numa REQUIRED IMPORTED_TARGET numa)
pkg_check_modules(rdkafka REQUIRED IMPORTED_TARGET rdkafka>=2.0)

# libhugetlbfs ships neither a pkg-config file nor a CMake package.
find_library(HUGETLBFS_LIBRARY hugetlbfs REQUIRED)
find_path(HUGETLBFS_INCLUDE_DIR hugetlbfs.h REQUIRED)
add_library(ringside_hugetlbfs INTERFACE)
target_link_libraries(ringside_hugetlbfs INTERFACE ${HUGETLBFS_LIBRARY})
target_include_directories(ringside_hugetlbfs SYSTEM INTERFACE ${HUGETLBFS_INCLUDE_DIR})
add_library(ringside::hugetlbfs ALIAS ringside_hugetlbfs)

find_package(Threads REQUIRED)

if(RINGSIDE_BUILD_TESTS)
  find_package(GTest 1.12 REQUIRED)
  find_package(nlohmann_json 3 CONFIG REQUIRED)    # tests only: a real JSON parser to check the encoder
  find_package(Python3 COMPONENTS Interpreter REQUIRED)
endif()
if(RINGSIDE_BUILD_BENCH)
  find_package(benchmark 1.7 CONFIG REQUIRED)
endif()
