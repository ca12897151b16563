# amsel profile --shard I/N + amsel merge: three round-robin shards merged
# give the rows of a single run (non-timing columns 1-9, same order); bad
# merges (overlapping shards, other models, a truncated shard, an image
# not in the dataset) fail naming the file and write nothing.
. "$(dirname "$0")/lib/cli.sh"
need_data
L="$DATA/datasets/ilsvrc2012-val-227/labels.txt"
[ -f "$L" ] || { echo "no $L: skipping" >&2; exit 77; }
M=mobilenet_v1_0.25_128_quant,mobilenet_v1_0.5_160_quant
N=30; [ -n "${AMSEL_TEST_QUICK:-}" ] && N=10
P=(profile --models "$M" --dataset "$L" --limit "$N")
run() { "$AMSEL" "$@" >"$T/out" 2>"$T/err" || fail "$*: $(cat "$T/err")"; }

run "${P[@]}" -o "$T/single.csv"
for i in 1 2 3; do run "${P[@]}" --shard "$i/3" -o "$T/s$i.csv"; done
# Round-robin: shard 2/3 holds dataset images 1, 4, 7, ...
first2=$(sed -n 2p "$T/s2.csv" | cut -d, -f1)
[ "$first2" = "$(sed -n 2p "$L" | cut -d' ' -f1)" ] || fail "shard 2/3 starts with $first2"
[ "$(wc -l <"$T/s1.csv")" -eq $((1 + 2 * ((N + 2) / 3))) ] || fail "shard 1/3 row count"

# Inputs in any order; the result is in dataset order.
run merge --dataset "$L" -o "$T/merged.csv" "$T/s3.csv" "$T/s1.csv" "$T/s2.csv"
cmp -s <(cut -d, -f1-9 "$T/merged.csv") <(cut -d, -f1-9 "$T/single.csv") \
    || fail "3 merged shards differ from a single run"
[ "$(wc -l <"$T/merged.csv")" -eq $((1 + 2 * N)) ] || fail "merged row count"
# Timing columns are copied, not recomputed.
grep -qxF "$(sed -n 2p "$T/s2.csv")" "$T/merged.csv" || fail "merged rows are not verbatim"
# A missing shard merges, with a warning.
run merge --dataset "$L" -o "$T/two.csv" "$T/s1.csv" "$T/s3.csv"
grep -q "image(s) of .* are in no input" "$T/err" || fail "missing shard: no warning"

# Bad merges: non-zero exit, the culprit named, no output, no temporary.
bad_merge() { # PATTERN INPUTS...
    local pat="$1"; shift
    expect_fail nz "$pat" "$AMSEL" merge --dataset "$L" -o "$T/bad.csv" "$@"
    [ ! -e "$T/bad.csv" ] || fail "bad merge wrote output ($pat)"
    ls "$T"/bad.csv.tmp.* >/dev/null 2>&1 && fail "bad merge left a temporary ($pat)"
}
run "${P[@]}" --shard 1/2 -o "$T/h1.csv"
bad_merge "image '.*' is in both .*/s1.csv \(line 2\) and .*/h1.csv \(line 2\)" \
    "$T/s1.csv" "$T/s2.csv" "$T/h1.csv"
bad_merge "image '.*' is in both .*/s2.csv .* and .*/s2.csv" "$T/s2.csv" "$T/s2.csv"
run profile --models mobilenet_v1_0.25_128_quant --dataset "$L" --limit "$N" --shard 2/3 \
    -o "$T/other.csv"
bad_merge "other.csv: model 2 is '\(none\)' but 'mobilenet_v1_0.5_160_quant' in .*/s1.csv" \
    "$T/s1.csv" "$T/other.csv" "$T/s3.csv"
head -c -30 "$T/s2.csv" >"$T/cut.csv"
bad_merge "cut.csv:[0-9]+: " "$T/s1.csv" "$T/cut.csv" "$T/s3.csv"
sed 2d "$T/s2.csv" >"$T/half.csv"
bad_merge "half.csv:[0-9]+: image '.*' has no row for model" "$T/s1.csv" "$T/half.csv"
sed 's/^ILSVRC2012_val_/renamed_/' "$T/s2.csv" >"$T/renamed.csv"
bad_merge "renamed.csv: image 'renamed_.*' is not in .*labels.txt" "$T/s1.csv" "$T/renamed.csv"
sed '1s/ [0-9]*$/ 999/' "$L" >"$T/labels2.txt"
expect_fail nz "s1.csv: image '.*' has class 472 but 999 in .*labels2.txt:1" \
    "$AMSEL" merge --dataset "$T/labels2.txt" -o "$T/bad.csv" "$T/s1.csv"
bad_merge "missing.csv: cannot|missing.csv" "$T/s1.csv" "$T/missing.csv"

# Usage errors.
for s in 0/3 4/3 1/0 3 x/2 1/2x; do
    expect_fail 2 "--shard: expected I/N" "$AMSEL" "${P[@]}" --shard "$s" -o "$T/x.csv"
done
for b in 0 4097 x; do
    expect_fail 2 "--batch: expected 1..4096" "$AMSEL" "${P[@]}" --batch "$b" -o "$T/x.csv"
done
expect_fail 2 "at least one input" "$AMSEL" merge --dataset "$L" -o "$T/x.csv"
finish
