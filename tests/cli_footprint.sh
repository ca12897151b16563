# amsel footprint (issue 7): the executable's size is the binary's, one row
# per model whose arena is the planned activation memory of amsel models,
# heap covers the arena, a selector's weights are the sum of its models';
# bad selectors and models fail naming the file, with no partial report.
. "$(dirname "$0")/lib/cli.sh"
. "$(dirname "$0")/lib/selector.sh"
need_data
BIN="$1" # the binary itself (AMSEL may be an emulator wrapper)
MD="$DATA/models/imagenet"
M0=mobilenet_v1_0.25_128_quant
M1=v3-small_224_1.0_uint8

"$AMSEL" footprint > "$T/all.tsv" || fail "footprint"
grep -q "^# executable .*: $(stat -c%s "$BIN") bytes on disk; in memory [0-9.]* KiB code" "$T/all.tsv" ||
    { fail "executable line"; head -2 "$T/all.tsv" >&2; }
grep -qx $'model\tfile_kib\tweights_kib\theap_kib\tarena_kib\tother_kib' "$T/all.tsv" || fail "header"
grep -q '^# peak RSS of this process: [1-9][0-9]* KiB' "$T/all.tsv" || fail "peak RSS line"
nmodels=$(ls "$MD"/*.tflite | wc -l)
rows=$(awk -F'\t' 'NF == 6 && $1 != "model"' "$T/all.tsv" | wc -l)
[ "$rows" -eq "$nmodels" ] || fail "$rows model rows, expected $nmodels"
# weights fit in the file; heap (when measurable) holds the arena
awk -F'\t' 'NF == 6 && $1 != "model" && ($3 > $2 || $2 <= 0 || ($4 != "n/a" && $4 < $5)) { bad++ }
    END { exit bad > 0 }' "$T/all.tsv" || { fail "inconsistent row"; cat "$T/all.tsv" >&2; }
# the arena is amsel models' activation memory
"$AMSEL" models | awk -F'\t' 'NR > 1 { print $1 "\t" $7 }' | sort > "$T/models.act"
awk -F'\t' 'NF == 6 && $1 != "model" { print $1 "\t" $5 }' "$T/all.tsv" | sort > "$T/fp.act"
cmp -s "$T/models.act" "$T/fp.act" || { fail "arena differs from amsel models"; diff "$T/models.act" "$T/fp.act" >&2; }

# A selector: its two models, then its total.
write_cascade_selector "$T/sel.json" "$MD" "$M0" "$M1"
"$AMSEL" footprint --backend ref --selector "$T/sel.json" > "$T/sel.tsv" || fail "footprint --selector"
[ "$(awk -F'\t' 'NF == 6 && $1 != "model"' "$T/sel.tsv" | wc -l)" -eq 3 ] || fail "selector: 2 models + total"
awk -F'\t' -v a="$M0" -v b="$M1" '$1 == a || $1 == b { w += $3; h += $4 } $1 == "selector" { sw = $3; sh = $4 }
    END { d = sw - w; exit !(d < 0.2 && d > -0.2 && (sh == "n/a" || sh >= h - 1)) }' "$T/sel.tsv" ||
    { fail "selector total is not its models' sum"; cat "$T/sel.tsv" >&2; }

expect_fail 1 "nope.json" "$AMSEL" footprint --selector "$T/nope.json"
printf '{"format": "amsel-selector"' > "$T/bad.json"
expect_fail 1 "bad.json" "$AMSEL" footprint --selector "$T/bad.json"
expect_fail 1 "no_such_model" "$AMSEL" footprint no_such_model
# an error midway leaves no partial report
"$AMSEL" footprint "$M0" no_such_model > "$T/part" 2>/dev/null && fail "missing model accepted"
[ ! -s "$T/part" ] || fail "partial report printed before the error"
expect_fail 2 "--models needs --selector" "$AMSEL" footprint --models "$MD"
finish
