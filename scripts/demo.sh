#!/usr/bin/env bash
# The main job: installs dependencies, builds amsel, then runs the whole
# adaptive-selection pipeline on the shared models and validation images:
#   profile (every model on every image; cached in out/ after the first run)
#   -> features -> 10-fold cross-validated comparison of every policy + HTML
#   report -> the chosen selector trained on all images -> run live, against
#   the most accurate model, on the same images and on 82 images it never
#   saw (original sizes) -> the bundled photos classified by the selector.
# Models run on one thread (as the engine's speed table), so latencies
# and speed-ups are comparable run to run on a shared machine.
# Options: DEMO_IMAGES=N (default 1300, the whole validation set);
# SKIP_DEPS=1; delete out/profile.csv to profile again.
set -euo pipefail
cd "$(dirname "$0")/.."
export AMSEL_DATA="${AMSEL_DATA:-$(cd .. && pwd)/shared}"
[ -d "$AMSEL_DATA/models/imagenet" ] || {
    echo "no data folder at $AMSEL_DATA: set AMSEL_DATA or run scripts/fetch-models.sh" >&2; exit 1; }
if [ "${SKIP_DEPS:-0}" != 1 ]; then bash scripts/deps.sh; fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
A=build/amsel
VAL="$AMSEL_DATA/datasets/ilsvrc2012-val-227/labels.txt"
NATIVE="$AMSEL_DATA/datasets/ilsvrc2012-val-native/labels.txt"
n=${DEMO_IMAGES:-1300}
mkdir -p out

echo "== amsel models"
$A models | cut -f1-7 | column -t -s $'\t'
echo
if [ -s out/profile.csv ] && [ "$(cat out/profile.n 2>/dev/null)" = "$n" ]; then
    echo "== amsel profile: cached out/profile.csv ($n images; delete it to profile again)"
else
    echo "== amsel profile: 8 models x $n validation images (progress on stderr)"
    $A profile --threads 1 --models "$AMSEL_DATA/models/imagenet" --dataset "$VAL" --limit "$n" \
        -o out/profile.csv | column -t -s $'\t'
    echo "$n" > out/profile.n
fi
echo
echo "== amsel features: 29 image features per image (the premodels' input)"
$A features --dataset "$VAL" --limit "$n" -o out/features.csv
echo
echo "== amsel train: every policy cross-validated (10 folds), the best trade-off trained on all images"
$A train --profile out/profile.csv --features out/features.csv \
    --json out/eval.json --html out/report.html -o out/selector.json
echo
echo "== amsel validate: the selector live on the same $n images, against the most accurate model"
$A validate --threads 1 --selector out/selector.json --dataset "$VAL" --limit "$n" \
    --profile out/profile.csv --features out/features.csv
echo
echo "== amsel validate: on 82 validation images it never saw, at their original sizes"
$A validate --threads 1 --selector out/selector.json --dataset "$NATIVE"
echo
echo "== amsel classify --selector: the bundled photos"
$A classify --selector out/selector.json --top 1 "$AMSEL_DATA"/images/*.jpg \
    | awk -F'\t' 'NR > 1 { n = split($1, p, "/"); printf "%-22s %-28s %-60s %s ms\n", p[n], $5, $6, $7 }'
echo
echo "Outputs: out/profile.csv, out/features.csv, out/eval.json, out/report.html (open it"
echo "in a browser), out/selector.json. Method and figures: docs/selector.md."
