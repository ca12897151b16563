#!/usr/bin/env bash
# Fuzzing (issue 6): builds the libFuzzer targets in build-fuzz with clang
# (ASan+UBSan) and runs each for SECONDS (default 60) on a scratch copy of
# its seed corpus tests/fuzz_corpus/<target>/. New inputs go to
# build-fuzz/corpus/<target>/; crashes to build-fuzz/crashes/<target>/ —
# copy a reproducer into tests/fuzz_corpus/<target>/ once fixed.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_tflite fuzz_image fuzz_dataset fuzz_profile_csv
    fuzz_feature_table fuzz_selector fuzz_premodel_json)
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DAMSEL_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$jobs" --target "${targets[@]}" >/dev/null

status=0
for t in "${targets[@]}"; do
    corpus="build-fuzz/corpus/$t"
    crashes="build-fuzz/crashes/$t"
    mkdir -p "$corpus" "$crashes"
    log="build-fuzz/$t.log"
    seeds=("tests/fuzz_corpus/$t")
    maxlen=65536
    timeout=10
    if [ "$t" = fuzz_tflite ]; then
        # A valid model runs the reference kernels under ASan and coverage:
        # seconds for the larger seeds on a busy machine, not a hang.
        timeout=60
        # The shared models under 2 MB seed the TFLite target from outside
        # the repository (they are not copied into tests/fuzz_corpus).
        maxlen=$((2 << 20))
        data="${AMSEL_DATA:-$(cd .. && pwd)/shared}"
        mkdir -p build-fuzz/seeds/$t
        find "$data/models" -name '*.tflite' -size -2048k -exec cp -f {} build-fuzz/seeds/$t/ \; 2>/dev/null || true
        seeds+=("build-fuzz/seeds/$t")
    fi
    echo "== $t (${secs}s)"
    if ! ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
        "build-fuzz/fuzz/$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout="$timeout" -max_len="$maxlen" \
        -print_final_stats=1 -artifact_prefix="$crashes/" \
        "$corpus" "${seeds[@]}" >"$log" 2>&1; then
        echo "   FAILED: see $log and $crashes/"
        grep -m5 -E 'ERROR|runtime error|SUMMARY' "$log" || true
        status=1
    fi
    grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)' "$log" | tail -2 | sed 's/^/   /' || true
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added' "$log" | sed 's/^/   /' || true
done
exit $status
