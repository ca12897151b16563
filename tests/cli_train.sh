# amsel train / validate end to end on real images: profile 60 validation
# images with three small models, compute their features, train a cascade
# and a premodel (chain tree) selector, run each live with validate
# --profile: the live decisions must equal the replay from the profile on
# every image. Then the bad inputs of issue 5: features not covering the
# profile, NaN in the features, a model missing or altered, a selector
# file corrupted or of an unknown version.
. "$(dirname "$0")/lib/cli.sh"
need_data
n=60
[ -n "${AMSEL_TEST_QUICK:-}" ] && n=24
M="$DATA/models/imagenet"
MODELS="$M/mobilenet_v1_0.25_128_quant.tflite,$M/mobilenet_v1_0.5_160_quant.tflite,$M/v3-small_224_1.0_uint8.tflite"
VAL="$DATA/datasets/ilsvrc2012-val-227/labels.txt"
"$AMSEL" profile --models "$MODELS" --dataset "$VAL" --limit $n -o "$T/p.csv" >/dev/null 2>"$T/err" \
    || fail "profile: $(cat "$T/err")"
"$AMSEL" features --dataset "$VAL" --limit $n -o "$T/f.csv" 2>"$T/err" || fail "features: $(cat "$T/err")"

# A cascade (the default pick here) and the paper's chain.
"$AMSEL" train --profile "$T/p.csv" --features "$T/f.csv" --folds 4 --premodels tree,nb \
    -o "$T/sel.json" >"$T/train.out" 2>"$T/err" || fail "train: $(cat "$T/err")"
grep -q "^wrote $T/sel.json: " "$T/train.out" || fail "train did not say what it wrote"
"$AMSEL" train --profile "$T/p.csv" --features "$T/f.csv" --folds 4 --premodels tree \
    --policy "chain tree" -o "$T/chain.json" >/dev/null 2>"$T/err" || fail "train chain: $(cat "$T/err")"
grep -q '"kind":[[:space:]]*"chain"' "$T/chain.json" || fail "chain selector kind"
for s in sel chain; do
    "$AMSEL" validate --selector "$T/$s.json" --dataset "$VAL" --limit $n --reference none \
        --profile "$T/p.csv" --features "$T/f.csv" -o "$T/$s.live.csv" >"$T/$s.out" 2>"$T/err" \
        || fail "validate $s: $(tail -3 "$T/err")"
    grep -q "live and replay decided differently on 0$" "$T/$s.out" || fail "$s: live != replay"
    grep -q "$n of $n images found" "$T/$s.out" || fail "$s: replay did not find every image"
    [ "$(wc -l < "$T/$s.live.csv")" -eq $((n + 1)) ] || fail "$s: per-image CSV rows"
done
# Against a reference model: the paired line's difference is the top-1
# difference, and its counts are consistent with it.
"$AMSEL" validate --selector "$T/sel.json" --dataset "$VAL" --limit $n \
    --reference mobilenet_v1_0.25_128_quant >"$T/ref.out" 2>"$T/err" || fail "validate --reference: $(tail -3 "$T/err")"
d1=$(sed -n 's/.*selector vs reference: \([-+0-9.]*\) points.*/\1/p' "$T/ref.out")
d2=$(sed -n 's/.*paired top-1: .*difference \([-+0-9.]*\) points.*/\1/p' "$T/ref.out")
[ -n "$d1" ] && [ "$d1" = "$d2" ] || fail "paired difference '$d2' != top-1 difference '$d1'"
awk -v n=$n -v d="$d1" '/paired top-1:/ { b = $8; c = $14; sub(/;/, "", c)
    if ((b - c) * 100 / n - d > 0.01 || d - (b - c) * 100 / n > 0.01) exit 1; found = 1 }
    END { exit !found }' "$T/ref.out" || fail "paired counts do not give the difference: $(grep paired "$T/ref.out")"
# classify --selector answers as validate did (first image).
img=$(sed -n 2p "$T/sel.live.csv" | cut -d, -f1)
want=$(sed -n 2p "$T/sel.live.csv" | cut -d, -f3)
got=$("$AMSEL" classify --selector "$T/sel.json" --top 1 "$DATA/datasets/ilsvrc2012-val-227/images/$img" | awk -F'\t' 'NR == 2 {print $3}')
[ "$got" = "$want" ] || fail "classify --selector $got, validate $want"

# Bad input.
head -n $((n - 4)) "$T/f.csv" > "$T/f_short.csv"
expect_fail 1 "is not in the features file .*f_short.csv" \
    "$AMSEL" train --profile "$T/p.csv" --features "$T/f_short.csv" -o "$T/x.json"
awk -F, -v OFS=, 'NR == 5 {$4 = "nan"} {print}' "$T/f.csv" > "$T/f_nan.csv"
expect_fail 1 "f_nan.csv:5" "$AMSEL" train --profile "$T/p.csv" --features "$T/f_nan.csv" -o "$T/x.json"
mkdir -p "$T/empty"
expect_fail 1 "empty/.*tflite: cannot open" \
    "$AMSEL" train --profile "$T/p.csv" --models "$T/empty" -o "$T/x.json"
[ ! -e "$T/x.json" ] || fail "a failed train left its output"
mkdir -p "$T/models"
for f in mobilenet_v1_0.25_128_quant mobilenet_v1_0.5_160_quant v3-small_224_1.0_uint8; do
    cp "$M/$f.tflite" "$T/models/"
done
printf '\001' | dd of="$T/models/v3-small_224_1.0_uint8.tflite" bs=1 seek=5000 conv=notrunc 2>/dev/null
expect_fail 1 "sha256" "$AMSEL" validate --selector "$T/chain.json" --models "$T/models" \
    --dataset "$VAL" --limit 2 --reference none
sed 's/"version":[[:space:]]*1/"version": 7/' "$T/sel.json" > "$T/v7.json"
expect_fail 1 "v7.json.*version 7" "$AMSEL" classify --selector "$T/v7.json" "$DATA/images/parrot.jpg"
head -c 300 "$T/sel.json" > "$T/cut.json"
expect_fail 1 "cut.json" "$AMSEL" classify --selector "$T/cut.json" "$DATA/images/parrot.jpg"
expect_fail 1 "no such deployable policy" "$AMSEL" train --profile "$T/p.csv" --policy oracle -o "$T/x.json"
finish
