# amsel bench: one row per model with latency, GMAC/s, efficiency against
# the dense ceiling of the same run and peak RSS; --all covers every model;
# --ops lists every operator; --threads is checked. Few runs: this checks
# the output, not the speed.
. "$(dirname "$0")/lib/cli.sh"
need_data
M=mobilenet_v1_0.25_128_quant

"$AMSEL" bench --model "$M" --runs 3 --warmup 1 --threads 2 > "$T/one.tsv" || fail "bench --model"
grep -q '^# dense ceiling (1x1 conv 28x28x512->512' "$T/one.tsv" || grep -q '^# dense ceiling: not measured' "$T/one.tsv" ||
    fail "no ceiling line"
head -2 "$T/one.tsv" | tail -1 | grep -q $'^model\tbackend\tthreads\truns\tmin_ms\tmedian_ms\tmean_ms\tp90_ms\tgmacs\tefficiency\tpeak_rss_mb$' ||
    fail "bench header"
# the row: 11 columns, 2 threads, 3 runs, min <= median <= p90, RSS > 1 MB
awk -F'\t' -v m="$M" '$1 == m { n++; if (NF != 11 || $3 != 2 || $4 != 3 || $5 > $6 || $6 > $8 || $11 < 1) bad++ }
    END { exit !(n == 1 && !bad) }' "$T/one.tsv" || { fail "bench row"; cat "$T/one.tsv" >&2; }

"$AMSEL" bench --all --runs 2 --warmup 0 --threads 1 > "$T/all.tsv" || fail "bench --all"
nmodels=$(ls "$DATA"/models/imagenet/*.tflite | wc -l)
rows=$(awk -F'\t' 'NR > 2 && NF == 11 && $3 == 1' "$T/all.tsv" | wc -l)
[ "$rows" -eq "$nmodels" ] || fail "bench --all: $rows rows for $nmodels models"
# efficiency = gmacs / ceiling, when the ceiling was measured
if grep -q 'GMAC/s$' "$T/all.tsv"; then
    ceil=$(sed -n 's/^# dense ceiling.*: \([0-9.]*\) GMAC\/s$/\1/p' "$T/all.tsv")
    awk -F'\t' -v c="$ceil" 'NR > 2 { d = $9 / c - $10; if (d > 0.01 || d < -0.01) bad++ } END { exit bad > 0 }' \
        "$T/all.tsv" || fail "efficiency is not gmacs / ceiling"
fi

"$AMSEL" bench --model "$M" --runs 2 --ops > "$T/ops.tsv" || fail "bench --ops"
grep -q $'^0\tCONV_2D\t' "$T/ops.tsv" || fail "bench --ops: no operator rows"
grep -q '^# sum of per-operator medians' "$T/ops.tsv" || fail "bench --ops: no sum"

expect_fail 2 "--threads" "$AMSEL" bench --model "$M" --threads -1
expect_fail 2 "--threads" "$AMSEL" bench --model "$M" --threads lots
expect_fail 2 "exclude each other" "$AMSEL" bench --model "$M" --all
expect_fail 2 "--model or --all" "$AMSEL" bench
expect_fail 1 "missing.tflite: cannot open" "$AMSEL" bench --model "$T/missing.tflite" --runs 1
finish
