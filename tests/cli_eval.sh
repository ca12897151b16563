# amsel eval end to end: profile 60 validation images with three small
# models, cross-validate the policies, check the table's shape; bad
# profiles fail with the file and line. With AMSEL_TEST_QUICK=1 (the
# sanitizer run) a synthetic profile replaces the real one.
. "$(dirname "$0")/lib/cli.sh"
need_data
MODELS="$DATA/models/imagenet/mobilenet_v1_0.25_128_quant.tflite,$DATA/models/imagenet/mobilenet_v1_0.5_160_quant.tflite,$DATA/models/imagenet/v3-small_224_1.0_uint8.tflite"
P="$T/profile.csv"
if [ -z "${AMSEL_TEST_QUICK:-}" ]; then
    "$AMSEL" profile --models "$MODELS" --dataset "$DATA/datasets/ilsvrc2012-val-227/labels.txt" \
        --limit 60 -o "$P" >"$T/prof.out" 2>"$T/prof.err" || fail "profile: $(cat "$T/prof.err")"
else
    # 60 images x 3 models: model k right on images where i % (k+2) != 0.
    { echo "image,class,model,top5,top5_scores,correct1,correct5,score1,score_true,decode_ms,pre_ms,infer_ms"
      for i in $(seq 0 59); do for k in 0 1 2; do
          a=$(( i % (k + 2) ? 7 : 8 )); s="0.$(( 30 + (i * 7 + k * 13) % 69 ))"
          echo "img$i.jpg,7,m$k,$a 1 2 3 4,$s 0.01 0.01 0.01 0.01,$(( a == 7 )),$(( a == 7 )),$s,$([ $a = 7 ] && echo $s || echo 0),1.0,0.1,$(( k * 3 + 1 )).0"
      done; done; } > "$P"
fi
[ "$(wc -l < "$P")" -eq 181 ] || fail "profile has $(wc -l < "$P") lines, expected 181"

"$AMSEL" eval --profile "$P" --folds 5 --seed 2 -o "$T/eval.csv" >"$T/eval.out" 2>"$T/eval.err" \
    || fail "eval failed: $(cat "$T/eval.err")"
grep -q "^Algorithm 1 on all 60 images" "$T/eval.out" || fail "no Algorithm 1 steps"
grep -qE "^  step 1: .* optimal " "$T/eval.out" || fail "no first Algorithm 1 step"
# The table: a header, oracle, Algorithm 1, eight cascades, three models.
awk '/^policy /{on=1; next} on && NF==0 {exit} on {n++} END {exit n != 13}' "$T/eval.out" \
    || { fail "table does not have 13 rows"; cat "$T/eval.out" >&2; }
[ "$(grep -c '(reference)$' "$T/eval.out")" -eq 1 ] || fail "no single reference row"
grep -qE '^oracle +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +0\.000 +[0-9.]+x +1\.00 ' "$T/eval.out" || fail "oracle row shape"
grep -qE '^recommended \(cheapest at least as accurate' "$T/eval.out" || fail "no recommendation"
[ "$(wc -l < "$T/eval.csv")" -eq 14 ] || fail "eval CSV rows"
awk -F, 'NR > 1 && (NF != 22 || $3 < 0 || $3 > 100 || $5 <= 0 || $22 < 0 || $22 > 1) {bad = 1}
          END {exit bad}' "$T/eval.csv" || fail "eval CSV fields"
# The paired column (counts checked against the top-1 difference in
# test_policy.c): the reference row says so.
grep -qE ' \(reference\)$' "$T/eval.out" || fail "no paired column in the table"
# Deterministic: same seed, same table.
"$AMSEL" eval --profile "$P" --folds 5 --seed 2 >"$T/eval2.out" 2>/dev/null || fail "eval rerun"
cmp -s "$T/eval.out" "$T/eval2.out" || fail "eval is not deterministic"

# Bad input.
expect_fail 2 "--profile is required" "$AMSEL" eval
expect_fail 2 "--folds" "$AMSEL" eval --profile "$P" --folds 1
expect_fail 2 "--objective" "$AMSEL" eval --profile "$P" --objective top3
expect_fail 2 "--smooth: expected 0..10" "$AMSEL" eval --profile "$P" --smooth 11
expect_fail 2 "--smooth" "$AMSEL" eval --profile "$P" --smooth x
expect_fail 2 "--smooth 6: at most --grid \\(5\\) steps" "$AMSEL" eval --profile "$P" --grid 5 --smooth 6
expect_fail 1 "$T/missing.csv: cannot open" "$AMSEL" eval --profile "$T/missing.csv"
sed '5s/,[0-9.]*$/,nan/' "$P" > "$T/nan.csv"
expect_fail 1 "$T/nan.csv:5: bad infer_ms 'nan'" "$AMSEL" eval --profile "$T/nan.csv"
head -c 2000 "$P" > "$T/cut.csv"
expect_fail 1 "$T/cut.csv:[0-9]+: " "$AMSEL" eval --profile "$T/cut.csv"
sed '1s/top5_scores/scores/' "$P" > "$T/header.csv"
expect_fail 1 "$T/header.csv:1: column 5 is 'scores'" "$AMSEL" eval --profile "$T/header.csv"
sed '4d' "$P" > "$T/hole.csv"
expect_fail 1 "$T/hole.csv:[0-9]+: image .* has no row for model" "$AMSEL" eval --profile "$T/hole.csv"
expect_fail 1 "fewer than --folds" "$AMSEL" eval --profile "$P" --folds 100
"$AMSEL" eval --help | grep -q "usage: amsel eval" || fail "eval --help"
finish
