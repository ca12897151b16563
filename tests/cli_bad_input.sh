# Bad input on the command line: every case gives a clear message naming
# the file (and line), a non-zero exit, no crash and no partial output.
. "$(dirname "$0")/lib/cli.sh"
need_data
M="$DATA/models/imagenet/mobilenet_v1_0.25_128_quant.tflite"
IMG="$DATA/images/parrot.jpg"

# Usage errors exit 2.
expect_fail 2 "unknown command" "$AMSEL" frobnicate
expect_fail 2 "--model or --selector is required" "$AMSEL" classify "$IMG"
expect_fail 2 "--top" "$AMSEL" classify --model "$M" --top 0 "$IMG"
expect_fail 2 "--crop" "$AMSEL" classify --model "$M" --crop 1.5 "$IMG"
expect_fail 2 "--format" "$AMSEL" classify --model "$M" --format xml "$IMG"
expect_fail nz "--backend: unknown backend 'bogus'" "$AMSEL" classify --backend bogus --model "$M" "$IMG"
# Every backend gives the same answer.
"$AMSEL" classify --backend ref --model "$M" --top 5 "$IMG" > "$T/ref.tsv" || fail "classify --backend ref"
"$AMSEL" classify --backend auto --model "$M" --top 5 "$IMG" > "$T/auto.tsv" || fail "classify --backend auto"
cmp -s "$T/ref.tsv" "$T/auto.tsv" || fail "backends disagree"
for cmd in models classify profile bench run; do
    "$AMSEL" "$cmd" --help | grep -q "usage: amsel $cmd" || fail "$cmd --help"
done

# Models.
echo "not a model" > "$T/text.tflite"
expect_fail 1 "$T/text.tflite: not a TFLite model" "$AMSEL" classify --model "$T/text.tflite" "$IMG"
head -c 100000 "$M" > "$T/trunc.tflite"
expect_fail 1 "$T/trunc.tflite" "$AMSEL" classify --model "$T/trunc.tflite" "$IMG"
expect_fail 1 "$T/missing.tflite: cannot open" "$AMSEL" classify --model "$T/missing.tflite" "$IMG"

# Images.
head -c 3000 "$IMG" > "$T/trunc.jpg"
expect_fail 1 "$T/trunc.jpg" "$AMSEL" classify --model "$M" "$T/trunc.jpg"
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0garbage' > "$T/corrupt.png"
expect_fail 1 "$T/corrupt.png" "$AMSEL" classify --model "$M" "$T/corrupt.png"
# BMP headers claiming 0x0 and 100000x100000 pixels.
bmp_header() { # width height
    /usr/bin/env printf 'BM\x36\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0'
    /usr/bin/env printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(( $1 & 255 )) $(( ($1 >> 8) & 255 )) $(( ($1 >> 16) & 255 )) $(( ($1 >> 24) & 255 )))"
    /usr/bin/env printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(( $2 & 255 )) $(( ($2 >> 8) & 255 )) $(( ($2 >> 16) & 255 )) $(( ($2 >> 24) & 255 )))"
    /usr/bin/env printf '\x01\0\x18\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0'
}
bmp_header 0 0 > "$T/zero.bmp"
expect_fail 1 "$T/zero.bmp" "$AMSEL" classify --model "$M" "$T/zero.bmp"
bmp_header 100000 100000 > "$T/huge.bmp"
expect_fail 1 "$T/huge.bmp" "$AMSEL" classify --model "$M" "$T/huge.bmp"
echo "hello" > "$T/text.jpg"
expect_fail 1 "$T/text.jpg: .*not a JPEG, PNG or BMP" "$AMSEL" classify --model "$M" "$T/text.jpg"
# One bad image among good ones: the good ones are still classified.
rc=0; "$AMSEL" classify --model "$M" --top 1 "$IMG" "$T/text.jpg" > "$T/out" 2>/dev/null || rc=$?
[ "$rc" -eq 1 ] && grep -q "parrot.jpg	1	88" "$T/out" || fail "partial classify batch"

# Datasets: no partial CSV on failure, nothing left behind.
mkdir -p "$T/ds/images"
cp "$IMG" "$T/ds/images/a.jpg"
cp "$T/trunc.jpg" "$T/ds/images/bad.jpg"
printf 'a.jpg 88\nmissing.jpg 88\n' > "$T/ds/missing.txt"
expect_fail 1 "missing.jpg.*missing.txt:2" "$AMSEL" profile --models "$M" --dataset "$T/ds/missing.txt" -o "$T/p.csv"
printf 'a.jpg 88\na.jpg\n' > "$T/ds/malformed.txt"
expect_fail 1 "malformed.txt:2: expected 'FILE CLASS'" "$AMSEL" profile --models "$M" --dataset "$T/ds/malformed.txt" -o "$T/p.csv"
printf 'a.jpg 1000\n' > "$T/ds/class.txt"
expect_fail 1 "class.txt:1: unknown class '1000'" "$AMSEL" profile --models "$M" --dataset "$T/ds/class.txt" -o "$T/p.csv"
printf 'a.jpg n99999999\n' > "$T/ds/wnid.txt"
expect_fail 1 "wnid.txt:1: unknown class 'n99999999'" "$AMSEL" profile --models "$M" --dataset "$T/ds/wnid.txt" -o "$T/p.csv"
printf 'a.jpg 88\nbad.jpg 88\n' > "$T/ds/bad.txt"
expect_fail 1 "bad.jpg" "$AMSEL" profile --models "$M" --dataset "$T/ds/bad.txt" -o "$T/p.csv"
[ ! -e "$T/p.csv" ] || fail "profile left a CSV after failing"
ls "$T"/p.csv.tmp.* >/dev/null 2>&1 && fail "profile left a temporary file"
# --skip-bad: the good image is profiled, the bad one counted.
"$AMSEL" profile --models "$M" --dataset "$T/ds/bad.txt" --skip-bad -o "$T/p.csv" >/dev/null 2>"$T/err" \
    || fail "profile --skip-bad failed"
grep -q "1 image(s) skipped" "$T/err" || fail "--skip-bad count"
[ "$(wc -l < "$T/p.csv")" -eq 2 ] || fail "--skip-bad CSV rows"
# A wnid is accepted.
printf 'a.jpg n01818515\n' > "$T/ds/wnid_ok.txt"
"$AMSEL" profile --models "$M" --dataset "$T/ds/wnid_ok.txt" -o "$T/w.csv" >/dev/null 2>&1 || fail "wnid dataset"
grep -q '^a.jpg,88,' "$T/w.csv" || fail "wnid n01818515 should be class 88"

# Input limits from the environment (issue 6): over a limit is a clear error.
AMSEL_MAX_IMAGE_PIXELS=10000 expect_fail 1 "parrot.jpg: JPEG image is 512x929, over the limit of 10000 pixels" \
    "$AMSEL" classify --model "$M" "$IMG"
AMSEL_MAX_MODEL_BYTES=1000 expect_fail 1 "over the limit of 1000" "$AMSEL" classify --model "$M" "$IMG"
AMSEL_MAX_FILE_BYTES=10 expect_fail 1 "wnid_ok.txt: file is [0-9]+ bytes, over the limit of 10" \
    "$AMSEL" features --dataset "$T/ds/wnid_ok.txt" -o "$T/x.csv"
AMSEL_MAX_IMAGE_PIXELS=lots expect_fail 1 "AMSEL_MAX_IMAGE_PIXELS: expected" "$AMSEL" classify --model "$M" "$IMG"
finish
