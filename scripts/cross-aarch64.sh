#!/usr/bin/env bash
# The aarch64 CI step (issue 7): cross-builds amsel for 64-bit Arm with
# Debian multiarch, runs the whole CTest suite under qemu-user
# (AMSEL_TEST_QUICK=1: qemu runs the reference kernels ~20x slower), then
# checks that the Arm build's answers equal the x86 build's, byte for byte,
# with the reference backend: the profile CSV's non-timing columns (top-5,
# scores, correctness) of two models on a subset of the validation images,
# a cascade selector's decisions (which models ran, its answer) and the
# image features a premodel decides from.
#
#   bash scripts/cross-aarch64.sh            # everything (root installs deps)
#   AMSEL_XC_IMAGES=40 bash scripts/...      # a larger accuracy subset
#
# Build folders: build-arm64 (aarch64), build-arm64/host (x86 reference).
# The fast backend is x86 AVX-512 VNNI code, compiled to stubs elsewhere,
# so it declines every node on Arm; the Arm fast path is XNNPACK (the
# xnnpack backend, exact, which `auto` picks there). Its arm64 libraries come
# from Debian's libxnnpack-dev:arm64 and libpthreadpool-dev:arm64, which
# cannot be installed next to the amd64 ones (they are not Multi-Arch:
# same): the script extracts their .debs into build-arm64/xnnpack-arm64
# instead (apt-get download; AMSEL_XC_NO_XNNPACK=1 builds without it).
# The Arm-vs-x86 comparisons use the reference backend; the xnnpack
# backend must give the same bytes (test_xnnpack_parity under qemu, and
# the Arm profile with xnnpack against x86's reference below).
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib/selector.sh
export AMSEL_DATA="${AMSEL_DATA:-$(cd .. && pwd)/shared}"
N="${AMSEL_XC_IMAGES:-16}"
B=build-arm64
H=$B/host
t0=$(date +%s)
step() { echo "== $* ($(($(date +%s) - t0)) s)"; }

# 1. Dependencies: the cross compiler, qemu-user and the :arm64 libraries.
step "dependencies"
need="crossbuild-essential-arm64 qemu-user libturbojpeg0-dev:arm64 libpng-dev:arm64"
need="$need libcjson-dev:arm64 libsvm-dev:arm64 libcpuinfo0:arm64"
missing=""
for p in $need; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "installing:$missing"
    dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        $missing >/dev/null
fi

# XNNPACK and pthreadpool for arm64, extracted from their .debs (see above).
X="$PWD/$B/xnnpack-arm64"
xnn_flags=()
if [ -z "${AMSEL_XC_NO_XNNPACK:-}" ]; then
    if [ ! -e "$X/usr/lib/aarch64-linux-gnu/libXNNPACK.so" ]; then
        step "XNNPACK for arm64 ($X)"
        rm -rf "$X" && mkdir -p "$X/debs"
        if (cd "$X/debs" && apt-get download -qq libxnnpack0:arm64 libxnnpack-dev:arm64 \
                libpthreadpool0:arm64 libpthreadpool-dev:arm64 2>"$X/download.err"); then
            for d in "$X"/debs/*.deb; do dpkg-deb -x "$d" "$X"; done
        else
            echo "warning: cannot download XNNPACK for arm64 ($(tail -1 "$X/download.err")):" \
                "building without it (reference backend only)" >&2
        fi
    fi
    [ -e "$X/usr/lib/aarch64-linux-gnu/libXNNPACK.so" ] && xnn_flags=(-DAMSEL_ARM64_PREFIX="$X/usr")
fi
[ ${#xnn_flags[@]} -gt 0 ] || xnn_flags=(-DAMSEL_WITH_XNNPACK=OFF)

# 2. Builds: aarch64 (warnings are errors) and the x86 reference for the comparison.
step "configure and build aarch64 ($B)"
cmake -S . -B $B -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake \
    -DCMAKE_BUILD_TYPE=Release -DAMSEL_WERROR=ON "${xnn_flags[@]}" >/dev/null
cmake --build $B -j2 >/dev/null
aarch64-linux-gnu-readelf -h $B/amsel | grep -q 'Machine: *AArch64' || { echo "$B/amsel is not an aarch64 binary" >&2; exit 1; }
if aarch64-linux-gnu-readelf -d $B/amsel | grep -q 'libXNNPACK'; then
    echo "aarch64 build links XNNPACK: the xnnpack backend (auto there) is its fast path"
else
    echo "aarch64 build without XNNPACK: reference backend only"
fi
step "build x86 reference ($H)"
cmake -S . -B $H -DCMAKE_BUILD_TYPE=Release -DAMSEL_WERROR=ON >/dev/null
cmake --build $H -j2 --target amsel_cli >/dev/null

# 3. The test suite under qemu: CTest runs test executables through
# CMAKE_CROSSCOMPILING_EMULATOR, the CLI scripts through AMSEL_EMULATOR.
step "ctest under qemu"
export AMSEL_EMULATOR=qemu-aarch64
fails=0 # the comparisons still run after a failed test, to report everything
(cd $B && AMSEL_TEST_QUICK=1 ctest --output-on-failure -j2 --timeout 600) || fails=$((fails + 1))

# 4. Arm against x86, reference backend, byte for byte.
step "aarch64 vs x86 outputs ($N images)"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
arm() { qemu-aarch64 "$B/amsel" "$@"; }
x86() { "$H/amsel" "$@"; }
D="$AMSEL_DATA/datasets/ilsvrc2012-val-227"
MD="$AMSEL_DATA/models/imagenet"
M0=mobilenet_v1_0.25_128_quant
M1=v3-small_224_1.0_uint8
same() { # same WHAT FILE1 FILE2
    if cmp -s "$2" "$3"; then
        echo "identical: $1 ($(wc -l < "$2") lines)"
    else
        echo "DIFFERENT: $1" >&2
        diff "$2" "$3" | head -10 >&2
        fails=$((fails + 1))
    fi
}
for who in arm x86; do
    $who profile --backend ref --models "$MD/$M0.tflite,$MD/$M1.tflite" --limit "$N" \
        --dataset "$D/labels.txt" -o "$W/$who.csv" >/dev/null 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
    cut -d, -f1-9 "$W/$who.csv" > "$W/$who.cols"
done
[ "$(wc -l < "$W/x86.cols")" -eq $((2 * N + 1)) ] || { echo "x86 profile: expected $((2 * N)) rows" >&2; fails=$((fails + 1)); }
same "profile: image,class,model,top5,top5_scores,correct1,correct5,score1,score_true" \
    "$W/x86.cols" "$W/arm.cols"

# A cascade selector (stop after M0 when its top-1 is above 0.5): the
# models each image ran and its answer.
write_cascade_selector "$W/sel.json" "$MD" "$M0" "$M1"
images=$(head -n "$N" "$D/labels.txt" | awk -v d="$D/images" '{ print d "/" $1 }')
for who in arm x86; do
    # shellcheck disable=SC2086
    $who classify --backend ref --selector "$W/sel.json" --models "$MD" $images \
        | cut -f1-6 > "$W/$who.sel"
done
same "selector: image,rank,class,score,label,models" "$W/x86.sel" "$W/arm.sel"
runs=$(awk -F'\t' 'NR > 1 && $2 == 1 { print $6 }' "$W/x86.sel" | sort | uniq -c | tr -s ' ' | paste -sd';')
echo "  selector paths over $N images:$runs"

# The features a premodel decides from (floating point: the same C on both).
for who in arm x86; do
    $who features --dataset "$D/labels.txt" --limit "$N" -o "$W/$who.feat" >/dev/null 2>"$W/err" ||
        { cat "$W/err" >&2; exit 1; }
    awk -F, -v OFS=, '{ NF--; print }' "$W/$who.feat" > "$W/$who.fcols" # drop features_ms
done
same "features (29 per image, without features_ms)" "$W/x86.fcols" "$W/arm.fcols"

# Training on the board: the same profile and features (x86's) give the
# same selector file but for measured times (a tree premodel: a chain of binary
# classifiers), and that selector decides the same on both.
for who in arm x86; do
    $who train --profile "$W/x86.csv" --features "$W/x86.feat" --folds 4 --premodels tree \
        --policy "chain tree" -o "$W/$who.chain.json" >/dev/null 2>"$W/train.err" ||
        { cat "$W/train.err" >&2; fails=$((fails + 1)); }
done
# timing lines differ (training measures the premodel's own time), and so
# do the speed-ups computed from them
for who in arm x86; do
    grep -vE '"(([a-z0-9]+_)*ms(_sd)?|speedup)":' "$W/$who.chain.json" > "$W/$who.chain.dec"
done
same "selector file trained on the same profile (chain tree), timings left out" \
    "$W/x86.chain.dec" "$W/arm.chain.dec"
for who in arm x86; do
    # shellcheck disable=SC2086
    $who classify --backend ref --selector "$W/x86.chain.json" --models "$MD" $images \
        | cut -f1-6 > "$W/$who.chain"
done
same "premodel selector: image,rank,class,score,label,models" "$W/x86.chain" "$W/arm.chain"

# The Arm fast path: the xnnpack backend (exact) against x86's reference
# on the same images, the same columns.
if arm models --backend xnnpack "$MD/$M0.tflite" >/dev/null 2>&1; then
    arm profile --backend xnnpack --models "$MD/$M0.tflite,$MD/$M1.tflite" --limit "$N" \
        --dataset "$D/labels.txt" -o "$W/xnn.csv" >/dev/null 2>"$W/err" || { cat "$W/err" >&2; fails=$((fails + 1)); }
    cut -d, -f1-9 "$W/xnn.csv" > "$W/xnn.cols"
    same "xnnpack on aarch64 vs reference on x86: profile columns" "$W/x86.cols" "$W/xnn.cols"
fi

# 5. The minimal library (AMSEL_MINIMAL: no CLI, no libsvm) and what a
# program linking it weighs, stripped; it must answer like the CLI.
step "minimal aarch64 build (build-min/arm64) and footprint"
cmake -S . -B build-min/arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake \
    -DCMAKE_BUILD_TYPE=MinSizeRel -DAMSEL_MINIMAL=ON -DAMSEL_WERROR=ON "${xnn_flags[@]}" >/dev/null
cmake --build build-min/arm64 -j2 >/dev/null
stripped() { cp "$1" "$W/s" && aarch64-linux-gnu-strip --strip-unneeded "$W/s" && stat -c%s "$W/s"; }
echo "stripped bytes: libamsel.a (minimal, -Os) $(stripped build-min/arm64/libamsel.a)," \
    "tiny_classify $(stripped build-min/arm64/tiny_classify)," \
    "libamsel.a (full, -O3) $(stripped $B/libamsel.a), amsel CLI $(stripped $B/amsel)"
img=$(echo "$images" | head -1)
tiny=$(qemu-aarch64 build-min/arm64/tiny_classify "$MD/$M1.tflite" "$img" | cut -d' ' -f1)
cli=$(arm classify --top 1 --model "$MD/$M1.tflite" "$img" | awk -F'\t' 'NR == 2 { print $3 }')
if [ "$tiny" = "$cli" ]; then echo "tiny_classify agrees with amsel classify (class $cli)"
else echo "DIFFERENT: tiny_classify says $tiny, amsel classify $cli" >&2; fails=$((fails + 1)); fi
arm footprint --selector "$W/sel.json"

step "done"
if [ "$fails" -ne 0 ]; then
    echo "aarch64: $fails failed step(s) (tests or comparisons with x86)" >&2
    exit 1
fi
echo "aarch64: tests passed under qemu; outputs identical to x86 (reference and xnnpack backends)"
