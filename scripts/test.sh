#!/usr/bin/env bash
# The test command: builds amsel twice (optimised, and with AddressSanitizer
# + UndefinedBehaviorSanitizer) and runs the whole CTest suite in both.
# Data (models, images) come from $AMSEL_DATA, default ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."
export AMSEL_DATA="${AMSEL_DATA:-$(cd .. && pwd)/shared}"
jobs=$(nproc 2>/dev/null || echo 2)

# -Werror: a warning fails the build (the standard is a warning-free build).
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DAMSEL_WERROR=ON >/dev/null
cmake --build build -j"$jobs" >/dev/null
(cd build && ctest --output-on-failure -j"$jobs")

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DAMSEL_SANITIZE=ON -DAMSEL_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    AMSEL_TEST_QUICK=1 ctest --output-on-failure -j"$jobs")
echo "all tests passed (release and ASan/UBSan builds)"
