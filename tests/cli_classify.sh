# End to end: the shared photos through every model, compared with the
# classes each model is known to get right (all other outputs would be a
# regression); output formats are well-formed.
. "$(dirname "$0")/lib/cli.sh"
need_data
I="$DATA/images"
# model  image  expected class (ImageNet 0..999; a regex: 281-285 are the domestic cats)
cat > "$T/expected" <<'TABLE'
mobilenet_v1_0.25_128_quant parrot.jpg 88
mobilenet_v1_0.25_128_quant cat_720p.jpg 28[1-5]
mobilenet_v1_0.5_160_quant parrot.jpg 88
mobilenet_v1_0.5_160_quant hot_dog.jpg 934
mobilenet_v1_0.5_160_quant cat_720p.jpg 28[1-5]
v3-small_224_1.0_uint8 parrot.jpg 88
v3-small_224_1.0_uint8 hot_dog.jpg 934
v3-small_224_1.0_uint8 cat_720p.jpg 28[1-5]
v3-small_224_1.0_uint8 grace_hopper.bmp 652
mobilenet_v1_0.75_192_quant parrot.jpg 88
mobilenet_v1_0.75_192_quant hot_dog.jpg 934
mobilenet_v1_0.75_192_quant grace_hopper.bmp 652
mobilenet_v1_0.75_224_quant parrot.jpg 88
mobilenet_v1_0.75_224_quant hot_dog.jpg 934
mobilenet_v1_0.75_224_quant cat_720p.jpg 28[1-5]
mobilenet_v2_1.0_224_quant parrot.jpg 88
mobilenet_v2_1.0_224_quant hot_dog.jpg 934
mobilenet_v2_1.0_224_quant cat_720p.jpg 28[1-5]
mobilenet_v2_1.0_224_quant grace_hopper.bmp 652
tf2_mobilenet_v2_1.0_224_ptq parrot.jpg 88
tf2_mobilenet_v2_1.0_224_ptq hot_dog.jpg 934
tf2_mobilenet_v2_1.0_224_ptq cat_720p.jpg 28[1-5]
tf2_mobilenet_v2_1.0_224_ptq grace_hopper.bmp 652
mobilenet_edgetpu_0.75_224_post_training_quant parrot.jpg 88
mobilenet_edgetpu_0.75_224_post_training_quant hot_dog.jpg 934
mobilenet_edgetpu_0.75_224_post_training_quant cat_720p.jpg 28[1-5]
mobilenet_edgetpu_0.75_224_post_training_quant grace_hopper.bmp 652
TABLE
while read -r model image cls; do
    got=$("$AMSEL" classify --model "$model" --top 1 "$I/$image" | awk -F'\t' 'NR == 2 { print $3 }')
    echo "$got" | grep -Eqx "$cls" || fail "$model on $image: class '$got', expected $cls"
done < "$T/expected"

# TSV: header, K rows per image, ranks 1..K, scores descending in [0,1].
"$AMSEL" classify --model mobilenet_v2_1.0_224_quant --top 5 "$I/parrot.jpg" "$I/hot_dog.jpg" > "$T/out.tsv"
head -1 "$T/out.tsv" | grep -qx "image	rank	class	score	label" || fail "TSV header"
[ "$(wc -l < "$T/out.tsv")" -eq 11 ] || fail "TSV rows"
awk -F'\t' 'NR > 1 { if ($4 < 0 || $4 > 1 || ($2 > 1 && $4 > prev)) bad = 1; prev = $4 }
            END { exit bad }' "$T/out.tsv" || fail "TSV scores not ranked"
grep -q "parrot.jpg	1	88	.*	macaw" "$T/out.tsv" || fail "TSV label column"
# JSON parses and has the same answer.
"$AMSEL" classify --model mobilenet_v2_1.0_224_quant --top 3 --format json "$I/parrot.jpg" > "$T/out.json"
if [ -x /usr/bin/python3 ]; then
    /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d[0]["top"][0]["class"] == 88 and len(d[0]["top"]) == 3, d
' "$T/out.json" || fail "JSON output"
fi
# The models table lists all eight.
"$AMSEL" models > "$T/models.tsv" || fail "amsel models"
[ "$(wc -l < "$T/models.tsv")" -eq 9 ] || fail "models table rows"
finish
# Only bad images: exit 1, the errors name them, and stdout stays empty (no
# header without an answer); a bad image among good ones still fails the run.
if "$AMSEL" classify --model v3-small_224_1.0_uint8 "$T/none.jpg" > "$T/bad.tsv" 2> "$T/bad.err"; then
    fail "a missing image exited 0"
fi
[ ! -s "$T/bad.tsv" ] || fail "output printed for a run with no answer"
grep -q "none.jpg" "$T/bad.err" || fail "error does not name the image"
if "$AMSEL" classify --model v3-small_224_1.0_uint8 --top 1 "$T/none.jpg" "$I/parrot.jpg" > "$T/mix.tsv" 2>/dev/null; then
    fail "a missing image among good ones exited 0"
fi
[ "$(wc -l < "$T/mix.tsv")" -eq 2 ] || fail "good image not answered after a bad one"
