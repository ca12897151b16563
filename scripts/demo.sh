#!/usr/bin/env bash
# The main job: installs dependencies, builds amsel, then shows it at work
# on the shared models and images: the model table, a few photos
# classified, and every model profiled on validation images with its
# measured top-1/top-5 and latency.
# Options: DEMO_IMAGES=N (default 1300, the whole validation set).
set -euo pipefail
cd "$(dirname "$0")/.."
export AMSEL_DATA="${AMSEL_DATA:-$(cd .. && pwd)/shared}"
[ -d "$AMSEL_DATA/models/imagenet" ] || {
    echo "no data folder at $AMSEL_DATA: set AMSEL_DATA or run scripts/fetch-models.sh" >&2; exit 1; }
if [ "${SKIP_DEPS:-0}" != 1 ]; then bash scripts/deps.sh; fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
A=build/amsel

echo "== amsel models"
$A models | cut -f1-7 | column -t -s $'\t'
echo
echo "== amsel classify (MobileNet v1 0.25 vs MobileNet-EdgeTPU)"
for m in mobilenet_v1_0.25_128_quant mobilenet_edgetpu_0.75_224_post_training_quant; do
    $A classify --model $m --top 1 "$AMSEL_DATA"/images/*.jpg "$AMSEL_DATA"/images/*.bmp \
        | tail -n +2 | awk -F'\t' -v m=$m '{ n = split($1, p, "/"); printf "%-48s %-18s %5.3f %s\n", m, p[n], $4, $5 }'
done
echo
n=${DEMO_IMAGES:-1300}
echo "== amsel profile: 8 models x $n validation images (progress on stderr)"
mkdir -p out
$A profile --models "$AMSEL_DATA/models/imagenet" \
    --dataset "$AMSEL_DATA/datasets/ilsvrc2012-val-227/labels.txt" --limit "$n" \
    -o out/profile.csv | column -t -s $'\t'
echo
echo "== amsel eval: adaptive policies, 10-fold cross-validation over out/profile.csv"
$A eval --profile out/profile.csv
echo
echo "Per-image results: out/profile.csv. Premodels on image features come next (docs/selector.md)."
