# amsel classify --selector: a hand-written selector file (a cascade of
# two models) gives, per image, the answer of the models it says it ran,
# identical to classifying with those models alone; hostile selector
# files and models fail with a message naming the file.
. "$(dirname "$0")/lib/cli.sh"
. "$(dirname "$0")/lib/selector.sh"
need_data
I="$DATA/images"
MD="$DATA/models/imagenet"
M0=mobilenet_v1_0.25_128_quant
M1=v3-small_224_1.0_uint8
write_cascade_selector "$T/sel.json" "$MD" "$M0" "$M1"
IMAGES="$I/parrot.jpg $I/hot_dog.jpg $I/grace_hopper.bmp $I/owl.jpg"
[ "${AMSEL_TEST_QUICK:-0}" != 0 ] && IMAGES="$I/parrot.jpg $I/grace_hopper.bmp"
"$AMSEL" classify --selector "$T/sel.json" $IMAGES > "$T/sel.tsv" || fail "classify --selector"
head -1 "$T/sel.tsv" | grep -qx "image	rank	class	score	label	models	total_ms" || fail "header"
n=$(echo $IMAGES | wc -w)
[ "$(wc -l < "$T/sel.tsv")" -eq $((5 * n + 1)) ] || fail "5 rows per image"
grep -q "parrot.jpg	1	88	.*	macaw	" "$T/sel.tsv" || fail "parrot is a macaw"
# Each image's rows equal the last model it ran, run alone.
for img in $IMAGES; do
    models=$(awk -F'\t' -v i="$img" '$1 == i { print $6; exit }' "$T/sel.tsv")
    case "$models" in
    "$M0" | "$M0,$M1") ;;
    *) fail "$img: models '$models'" ;;
    esac
    last=${models##*,}
    "$AMSEL" classify --model "$last" "$img" | tail -n +2 > "$T/alone.tsv"
    awk -F'\t' -v i="$img" '$1 == i { print $1 "\t" $2 "\t" $3 "\t" $4 "\t" $5 }' "$T/sel.tsv" \
        | cmp -s - "$T/alone.tsv" || fail "$img: selector answer differs from $last alone"
done
# At threshold 0.5 these photos take both paths (stop after M0, escalate).
if [ "${AMSEL_TEST_QUICK:-0}" = 0 ]; then
    cut -f6 "$T/sel.tsv" | grep -qx "$M0" || fail "no image stopped at $M0"
    cut -f6 "$T/sel.tsv" | grep -qx "$M0,$M1" || fail "no image escalated to $M1"
fi
# --timing: three more columns, times positive, one model_ms per model run.
"$AMSEL" classify --selector "$T/sel.json" --models "$MD" --timing --top 2 "$I/parrot.jpg" > "$T/t.tsv" \
    || fail "--timing"
head -1 "$T/t.tsv" | grep -qx "image	rank	class	score	label	models	total_ms	features_ms	premodel_ms	model_ms" \
    || fail "--timing header"
[ "$(wc -l < "$T/t.tsv")" -eq 3 ] || fail "--top 2 rows"
awk -F'\t' 'NR > 1 { split($6, m, ","); split($10, t, ",");
                     if (NF != 10 || $7 <= 0 || length(m) != length(t) || t[1] <= 0 || $7 < t[1]) bad = 1 }
            END { exit bad }' "$T/t.tsv" || fail "--timing columns"

# Hostile input: non-zero exit, a message naming the file and the problem.
sed 's/"version": 1/"version": 9/' "$T/sel.json" > "$T/v9.json"
expect_fail 1 "v9.json: .*version 9 is not supported" "$AMSEL" classify --selector "$T/v9.json" "$I/parrot.jpg"
head -c 200 "$T/sel.json" > "$T/cut.json"
expect_fail 1 "cut.json: not valid JSON" "$AMSEL" classify --selector "$T/cut.json" "$I/parrot.jpg"
sed 's/"threshold": 0.5/"threshold": NaN/' "$T/sel.json" > "$T/nan.json"
expect_fail 1 "nan.json: not valid JSON" "$AMSEL" classify --selector "$T/nan.json" "$I/parrot.jpg"
sed 's/"threshold": 0.5/"threshold": "0.5"/' "$T/sel.json" > "$T/str.json"
expect_fail 1 "str.json: stage 0: \"threshold\" is not a finite number" \
    "$AMSEL" classify --selector "$T/str.json" "$I/parrot.jpg"
mkdir "$T/m"
cp "$MD/$M0.tflite" "$T/m/"
expect_fail 1 "sel.json: model $M1: .*cannot open" \
    "$AMSEL" classify --selector "$T/sel.json" --models "$T/m" "$I/parrot.jpg"
cp "$MD/$M1.tflite" "$T/m/"
printf '\001' | dd of="$T/m/$M1.tflite" bs=1 seek=5000 conv=notrunc status=none
expect_fail 1 "sel.json: model $M1 .*has sha256 [0-9a-f]{64}, but the selector file expects $h1" \
    "$AMSEL" classify --selector "$T/sel.json" --models "$T/m" "$I/parrot.jpg"
[ -s "$T/out" ] && fail "output written for a refused selector"
expect_fail 2 "exclude each other" "$AMSEL" classify --selector "$T/sel.json" --model "$M0" "$I/parrot.jpg"
expect_fail 2 "--timing needs --selector" "$AMSEL" classify --model "$M0" --timing "$I/parrot.jpg"
finish
