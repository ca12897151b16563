# Cross-compiling for 64-bit Arm (aarch64) with Debian's multiarch packages:
#   dpkg --add-architecture arm64
#   apt-get install crossbuild-essential-arm64 qemu-user \
#       libturbojpeg0-dev:arm64 libpng-dev:arm64 libcjson-dev:arm64 libsvm-dev:arm64
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake
# scripts/cross-aarch64.sh does all of it and runs the tests under qemu.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(AMSEL_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${AMSEL_TRIPLE}-gcc)
set(CMAKE_AR ${AMSEL_TRIPLE}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${AMSEL_TRIPLE}-ranlib CACHE FILEPATH "")
set(CMAKE_STRIP ${AMSEL_TRIPLE}-strip CACHE FILEPATH "")

# Multiarch: the arm64 headers live in /usr/include (shared with the host,
# arch-independent) and /usr/include/aarch64-linux-gnu, the libraries in
# /usr/lib/aarch64-linux-gnu; the cross gcc searches both by itself. Only
# libraries and headers are looked up for the target, programs (pkg-config,
# bash) for the host.
set(CMAKE_LIBRARY_ARCHITECTURE ${AMSEL_TRIPLE})
set(CMAKE_FIND_ROOT_PATH /usr/${AMSEL_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# pkg-config must see the arm64 .pc files, not the host's (which would
# link x86 libraries). ENV set here reaches pkg_check_modules.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${AMSEL_TRIPLE}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# CTest runs the test executables through qemu-user. No -L: the arm64
# libc6 that multiarch installs (with the :arm64 -dev packages) provides
# /lib/ld-linux-aarch64.so.1, and -L /usr/aarch64-linux-gnu would load the
# cross toolchain's older ld.so next to multiarch's newer libc.so.6, a
# mismatched pair that hangs in the first pthread_create (bookworm:
# 2.36-8cross1 against 2.36-9+deb12u*). Override with
# -DCMAKE_CROSSCOMPILING_EMULATOR=... (e.g. empty to skip it).
find_program(AMSEL_QEMU qemu-aarch64)
if(AMSEL_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${AMSEL_QEMU} CACHE STRING
      "Runs aarch64 test executables on the build machine")
endif()

# More arm64 prefixes to search, as a list (-DAMSEL_ARM64_PREFIX=DIR/usr):
# scripts/cross-aarch64.sh extracts XNNPACK and pthreadpool from their
# :arm64 .debs into such a folder, since libxnnpack-dev:arm64 cannot be
# installed next to libxnnpack-dev:amd64 (not Multi-Arch: same).
if(AMSEL_ARM64_PREFIX)
  list(APPEND CMAKE_PREFIX_PATH ${AMSEL_ARM64_PREFIX})
endif()
