# amsel features end to end: a CSV with the header and one row per image,
# values matching the unit-tested definitions on synthetic pictures, and
# bad input (missing image, malformed dataset, unreadable image, bad
# options) giving a clear message, a non-zero exit and no CSV at all.
. "$(dirname "$0")/lib/cli.sh"
need_data
IMG="$DATA/images/parrot.jpg"
mkdir -p "$T/ds/images"
cp "$IMG" "$T/ds/images/a.jpg"
cp "$DATA/images/grace_hopper.bmp" "$T/ds/images/b.bmp"

"$AMSEL" features --help | grep -q "usage: amsel features" || fail "features --help"
"$AMSEL" --help | grep -q "features" || fail "features missing from amsel --help"

# Good run: header, one row per image, 32 columns (features_ms last), class kept.
printf 'a.jpg 88\n# comment\nb.bmp 652\n' > "$T/ds/good.txt"
"$AMSEL" features --dataset "$T/ds/good.txt" -o "$T/f.csv" 2>"$T/err" || fail "features run"
grep -q "features: 2/2 images" "$T/err" || fail "no progress on stderr"
head -1 "$T/f.csv" | grep -q '^image,class,n_keypoints,avg_brightness,brightness_rms,avg_perc_brightness,perc_brightness_rms,contrast,edge_length1,.*,edge_angle7,area_by_perim,aspect_ratio,hue1,hue2,hue3,hue4,hue5,hue6,hue7,features_ms$' \
    || fail "CSV header: $(head -1 "$T/f.csv")"
[ "$(wc -l < "$T/f.csv")" -eq 3 ] || fail "CSV rows"
awk -F, 'NF != 32 { bad = 1 } END { exit bad }' "$T/f.csv" || fail "CSV column count"
# features_ms: a plain non-negative time in ms, under a second for these small images.
awk -F, 'NR > 1 && !($32 ~ /^[0-9]+\.[0-9]+$/ && $32 + 0 < 1000) { bad = 1 } END { exit bad }' "$T/f.csv" \
    || fail "features_ms column: $(cut -d, -f32 "$T/f.csv" | tr '\n' ' ')"
grep -q '^a.jpg,88,' "$T/f.csv" || fail "row of a.jpg"
grep -q '^b.bmp,652,' "$T/f.csv" || fail "row of b.bmp"
grep -qiE 'nan|inf' "$T/f.csv" && fail "non-finite value in CSV"
# --limit, and the same image at twice the size (BMP written by the test).
"$AMSEL" features --dataset "$T/ds/good.txt" --limit 1 -o "$T/one.csv" 2>/dev/null || fail "--limit"
[ "$(wc -l < "$T/one.csv")" -eq 2 ] || fail "--limit rows"

# Synthetic pictures through the whole CLI: a flat grey BMP (no edges, no
# corners, brightness 128) and a 1x1 BMP (defined values).
bmp() { # width height r g b -> 24-bit BMP on stdout (rows padded to 4 bytes)
    local w=$1 h=$2 row=$(( ($1 * 3 + 3) / 4 * 4 ))
    local size=$(( 54 + row * h ))
    le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(( $1 & 255 )) $(( ($1 >> 8) & 255 )) $(( ($1 >> 16) & 255 )) $(( ($1 >> 24) & 255 )); }
    /usr/bin/env printf "BM$(le32 $size)\\0\\0\\0\\0\\x36\\0\\0\\0\\x28\\0\\0\\0$(le32 $w)$(le32 $h)\\x01\\0\\x18\\0\\0\\0\\0\\0$(le32 $(( row * h )))\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0"
    local y x
    for ((y = 0; y < h; y++)); do
        for ((x = 0; x < w; x++)); do /usr/bin/env printf "\\x$(printf %02x $5)\\x$(printf %02x $4)\\x$(printf %02x $3)"; done
        for ((x = w * 3; x < row; x++)); do /usr/bin/env printf '\0'; done
    done
}
bmp 16 12 128 128 128 > "$T/ds/images/flat.bmp"
bmp 1 1 255 0 0 > "$T/ds/images/dot.bmp"
bmp 1 9 0 0 255 > "$T/ds/images/line.bmp"
printf 'flat.bmp 1\ndot.bmp 2\nline.bmp 3\n' > "$T/ds/synth.txt"
"$AMSEL" features --dataset "$T/ds/synth.txt" -o "$T/s.csv" 2>"$T/err" || { fail "synthetic run"; cat "$T/err" >&2; }
grep -q '^flat.bmp,1,0,128,128,128,128,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,' "$T/s.csv" \
    || fail "flat image: $(grep flat "$T/s.csv")"
grep -qE '^dot.bmp,2,0,.*,1,0,0,0,0,0,0,[0-9.]+$' "$T/s.csv" || fail "1x1 red image: $(grep dot "$T/s.csv")"
grep -qE '^line.bmp,3,0,.*,0,0,0,0,1,0,0,[0-9.]+$' "$T/s.csv" || fail "1x9 blue image: $(grep line "$T/s.csv")"
grep -qiE 'nan|inf' "$T/s.csv" && fail "non-finite value for a degenerate image"

# --time prints three medians; --dump writes the maps.
mkdir -p "$T/dump"
"$AMSEL" features --dataset "$T/ds/good.txt" --time --dump "$T/dump" >"$T/out" 2>/dev/null || fail "--time"
grep -qE '^features \(working image\) +[0-9.]+ ' "$T/out" || fail "--time output"
grep -qE '^decode \+ resample \+ features +[0-9.]+ ' "$T/out" || fail "--time decode line"
for s in ppm smooth.pgm edges.pgm corners.pgm; do
    [ -s "$T/dump/a.jpg.$s" ] || fail "--dump a.jpg.$s"
done

# Usage errors exit 2.
expect_fail 2 "--dataset and -o" "$AMSEL" features -o "$T/x.csv"
expect_fail 2 "--dataset and -o" "$AMSEL" features --dataset "$T/ds/good.txt"
expect_fail 2 "--limit" "$AMSEL" features --dataset "$T/ds/good.txt" --limit 0 -o "$T/x.csv"
expect_fail 2 "unexpected argument" "$AMSEL" features --dataset "$T/ds/good.txt" -o "$T/x.csv" extra

# Bad input: message names the file and line, exit 1, no CSV, no temporary.
printf 'a.jpg 88\nmissing.jpg 88\n' > "$T/ds/missing.txt"
expect_fail 1 "missing.jpg.*missing.txt:2" "$AMSEL" features --dataset "$T/ds/missing.txt" -o "$T/x.csv"
printf 'a.jpg 88\na.jpg\n' > "$T/ds/malformed.txt"
expect_fail 1 "malformed.txt:2: expected 'FILE CLASS'" "$AMSEL" features --dataset "$T/ds/malformed.txt" -o "$T/x.csv"
printf 'a.jpg 1000\n' > "$T/ds/class.txt"
expect_fail 1 "class.txt:1: unknown class '1000'" "$AMSEL" features --dataset "$T/ds/class.txt" -o "$T/x.csv"
head -c 3000 "$IMG" > "$T/ds/images/trunc.jpg"
printf 'a.jpg 88\ntrunc.jpg 88\n' > "$T/ds/trunc.txt"
expect_fail 1 "trunc.jpg.*trunc.txt:2" "$AMSEL" features --dataset "$T/ds/trunc.txt" -o "$T/x.csv"
echo "hello" > "$T/ds/images/text.jpg"
printf 'text.jpg 88\n' > "$T/ds/text.txt"
expect_fail 1 "text.jpg: .*not a JPEG, PNG or BMP" "$AMSEL" features --dataset "$T/ds/text.txt" -o "$T/x.csv"
printf 'a,b.jpg 88\n' > "$T/ds/comma.txt"
expect_fail 1 "comma or quote" "$AMSEL" features --dataset "$T/ds/comma.txt" -o "$T/x.csv"
expect_fail 1 "nope.txt" "$AMSEL" features --dataset "$T/ds/nope.txt" -o "$T/x.csv"
expect_fail 1 "cannot create" "$AMSEL" features --dataset "$T/ds/good.txt" -o "$T/no/such/dir/x.csv"
[ ! -e "$T/x.csv" ] || fail "features left a CSV after failing"
ls "$T"/x.csv.tmp.* >/dev/null 2>&1 && fail "features left a temporary file"
# A failed run leaves an existing CSV untouched.
cp "$T/f.csv" "$T/keep.csv"
expect_fail 1 "trunc.jpg" "$AMSEL" features --dataset "$T/ds/trunc.txt" -o "$T/keep.csv"
cmp -s "$T/f.csv" "$T/keep.csv" || fail "failed run changed an existing CSV"
finish
