# End-to-end accuracy: the first 200 validation images through all eight
# models (default crop). The reference kernels are exact, so the correct
# counts are known; a faster backend may move a near-tie, hence +-2 images.
# Full-set figures and the comparison with published accuracy are in
# docs/accuracy.md. Skipped in the sanitizer run (slow there).
. "$(dirname "$0")/lib/cli.sh"
need_data
[ -z "${AMSEL_TEST_QUICK:-}" ] || { echo "quick run: skipping"; exit 77; }
"$AMSEL" profile --models "$DATA/models/imagenet" --limit 200 \
    --dataset "$DATA/datasets/ilsvrc2012-val-227/labels.txt" -o "$T/p.csv" > "$T/summary" 2>/dev/null \
    || fail "profile failed"
[ "$(wc -l < "$T/p.csv")" -eq 1601 ] || fail "expected 1600 CSV rows"
# model  top-1 correct  top-5 correct  (of 200)
cat > "$T/expected" <<'TABLE'
mobilenet_edgetpu_0.75_224_post_training_quant 152 185
mobilenet_v1_0.25_128_quant 99 162
mobilenet_v1_0.5_160_quant 132 179
mobilenet_v1_0.75_192_quant 148 183
mobilenet_v1_0.75_224_quant 151 184
mobilenet_v2_1.0_224_quant 152 183
tf2_mobilenet_v2_1.0_224_ptq 154 184
v3-small_224_1.0_uint8 143 184
TABLE
while read -r model c1 c5; do
    read -r g1 g5 < <(awk -F, -v m="$model" '$3 == m { a += $6; b += $7 } END { print a + 0, b + 0 }' "$T/p.csv")
    d1=$((g1 - c1)); d5=$((g5 - c5))
    [ "${d1#-}" -le 2 ] && [ "${d5#-}" -le 2 ] || fail "$model: $g1/$g5 correct, expected $c1/$c5"
done < "$T/expected"
# The summary agrees with the CSV.
[ "$(grep -c "	200	" "$T/summary")" -eq 8 ] || fail "summary: 8 models x 200 images"
finish
