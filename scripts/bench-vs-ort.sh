#!/usr/bin/env bash
# amsel against ONNX Runtime and against its own reference backend, on the
# eight shared models, in one run (the machine is shared and noisy: only
# ratios measured side by side mean anything). For each model, ROUNDS
# rounds of: amsel 1 thread, ORT 1 thread (../shared/peer/run.sh), amsel
# 2 threads, the reference backend (15-30x slower: 5 runs); the best
# median of the rounds per column. Prints a Markdown table.
#
#   bash scripts/bench-vs-ort.sh                 # build/amsel, 3 rounds
#   AMSEL=build-x/amsel ROUNDS=5 bash scripts/bench-vs-ort.sh
set -euo pipefail
cd "$(dirname "$0")/.."
A="${AMSEL:-build/amsel}"
ROUNDS="${ROUNDS:-3}"
DATA="${AMSEL_DATA:-../shared}"
M="$DATA/models/imagenet"
PEER="$DATA/peer/run.sh"
[ -x "$A" ] || { echo "bench-vs-ort: $A not built" >&2; exit 1; }
[ -f "$PEER" ] || { echo "bench-vs-ort: $PEER missing" >&2; exit 1; }
models="mobilenet_v1_0.25_128_quant mobilenet_v1_0.5_160_quant v3-small_224_1.0_uint8
mobilenet_v1_0.75_192_quant mobilenet_v1_0.75_224_quant mobilenet_v2_1.0_224_quant
tf2_mobilenet_v2_1.0_224_ptq mobilenet_edgetpu_0.75_224_post_training_quant"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# the model's row of `amsel bench` (median_ms column 6, gmacs column 9;
# lines starting with # are the ceilings)
bench() { "$A" bench --data "$DATA" --model "$M/$1.tflite" --threads "$2" --runs "$3" 2>/dev/null |
    grep -v '^#' | tail -1; }
"$A" bench --data "$DATA" --model "$M/mobilenet_v1_0.25_128_quant.tflite" --threads 1 --runs 3 2>/dev/null |
    sed -n 's/^# dense ceiling.*: \([0-9.]*\) GMAC\/s/\1/p' > "$T/ceiling"
for r in $(seq "$ROUNDS"); do
    for m in $models; do
        echo "round $r/$ROUNDS: $m" >&2
        bench "$m" 1 100 | awk -F'\t' '{print $6, $9}' >> "$T/$m.a1"
        sh "$PEER" "$M/$m.tflite" 2>/dev/null | sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p' >> "$T/$m.ort"
        bench "$m" 2 100 | awk -F'\t' '{print $6}' >> "$T/$m.a2"
        "$A" bench --data "$DATA" --backend ref --model "$M/$m.tflite" --threads 1 --runs 5 \
            2>/dev/null | grep -v '^#' | tail -1 | awk -F'\t' '{print $6}' >> "$T/$m.ref"
    done
done
best() { sort -g "$1" | head -1 | awk '{print $1}'; }
echo "dense ceiling (fast kernels, 1 thread): $(cat "$T/ceiling") GMAC/s; best median of $ROUNDS rounds"
echo
echo "| model | amsel 1T ms | ORT 1T ms | ORT / amsel | amsel 2T ms | 2T speed-up | reference ms | reference / amsel | GMAC/s (eff.) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for m in $models; do
    a1=$(best "$T/$m.a1")
    g=$(sort -g "$T/$m.a1" | head -1 | awk '{print $2}')
    o=$(best "$T/$m.ort")
    a2=$(best "$T/$m.a2")
    rf=$(best "$T/$m.ref")
    c=$(cat "$T/ceiling")
    awk -v m="$m" -v a1="$a1" -v o="$o" -v a2="$a2" -v rf="$rf" -v g="$g" -v c="$c" 'BEGIN {
        printf "| %s | %.3f | %.3f | %.2fx | %.3f | %.2fx | %.2f | %.1fx | %.0f (%.2f) |\n",
               m, a1, o, o / a1, a2, a1 / a2, rf, rf / a1, g, g / c }'
done
