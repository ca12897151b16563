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

# ThreadSanitizer (issue 6): one selector and one model classified from
# several threads at once (test_deploy's 8-thread check, test_threads).
# Only those tests are built and run: the whole suite under TSan is slow.
tsan_tests=(test_deploy)
[ -f tests/test_threads.c ] && tsan_tests+=(test_threads)
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DAMSEL_WERROR=ON \
    -DCMAKE_C_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
cmake --build build-tsan -j"$jobs" --target "${tsan_tests[@]}" >/dev/null
(cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    ctest --output-on-failure -j"$jobs" -R "^($(IFS='|'; echo "${tsan_tests[*]}"))\$")
echo "all tests passed (release, ASan/UBSan and ThreadSanitizer builds)"
