# amsel profile survives interruption: kill it part-way (SIGINT, SIGKILL),
# the previous CSV stays as it was, --resume goes on from CSV.partial and
# gives the rows of an uninterrupted run (non-timing columns 1-9). Torn
# tails are dropped; a partial of another run is refused, untouched.
# To stop a run at a known image, whatever the speed, that image is made a
# FIFO: the run blocks opening it, with the images before it written
# (--batch 1: image by image; the batch case at the end: whole batches).
. "$(dirname "$0")/lib/cli.sh"
need_data
L="$DATA/datasets/ilsvrc2012-val-227/labels.txt"
[ -f "$L" ] || { echo "no $L: skipping" >&2; exit 77; }
M=mobilenet_v1_0.25_128_quant,mobilenet_v1_0.5_160_quant
N=30; [ -n "${AMSEL_TEST_QUICK:-}" ] && N=8
IMG="$T/images"
P=(profile --models "$M" --dataset "$L" --limit "$N" --images "$IMG" --batch 1)
O="$T/out.csv"

"$AMSEL" profile --models "$M" --dataset "$L" --limit "$N" -o "$T/ref.csv" >/dev/null 2>"$T/err" \
    || fail "plain run: $(cat "$T/err")"
cut -d, -f1-9 "$T/ref.csv" >"$T/ref.cols"
[ "$(wc -l <"$T/ref.csv")" -eq $((1 + 2 * N)) ] || fail "plain run: wrong row count"
[ ! -e "$T/ref.csv.partial" ] || fail "plain run left its .partial"
mkdir "$IMG"
for f in $(awk -F, 'NR > 1 && NR % 2 == 0 {print $1}' "$T/ref.csv"); do
    ln -s "$(dirname "$L")/images/$f" "$IMG/$f"
done

# interrupt SIG K: a run into $O that blocks on image K (0-based), sent
# SIG once its partial holds images 0..K-1; sets $rc and checks the partial.
interrupt() {
    local f; f=$(sed -n "$((2 + 2 * $2))p" "$T/ref.csv" | cut -d, -f1)
    rm "$IMG/$f" && mkfifo "$IMG/$f"
    "$AMSEL" "${P[@]}" -o "$O" >/dev/null 2>"$T/int.err" &
    local pid=$! tries=0
    until [ "$(cat "$O.partial" 2>/dev/null | wc -l)" -ge $((1 + 2 * $2)) ]; do
        kill -0 "$pid" 2>/dev/null && [ $((tries += 1)) -lt 2000 ] || break # 20 s
        sleep 0.01
    done
    kill -"$1" "$pid" 2>/dev/null
    rc=0; wait "$pid" 2>/dev/null || rc=$?
    rm "$IMG/$f" && ln -s "$(dirname "$L")/images/$f" "$IMG/$f"
    [ "$(wc -l <"$O.partial")" -eq $((1 + 2 * $2)) ] || fail "$1: partial does not hold $2 images"
}

# resumed: --resume completes $O; its columns equal the plain run's.
resumed() {
    "$AMSEL" "${P[@]}" -o "$O" --resume >"$T/res.out" 2>"$T/res.err" \
        || { fail "$1: resume failed: $(cat "$T/res.err")"; return; }
    cut -d, -f1-9 "$O" | cmp -s - "$T/ref.cols" || fail "$1: resumed CSV differs from a plain run"
    [ ! -e "$O.partial" ] || fail "$1: .partial left after a complete run"
    grep -q "^mobilenet_v1_0.25_128_quant"$'\t'"$N"$'\t' "$T/res.out" || fail "$1: summary does not count $N images"
}

# SIGINT: exit 130, OUT as before, the partial names whole images.
echo previous >"$O"
interrupt INT 2
[ "$rc" -eq 130 ] || fail "SIGINT: exit $rc, expected 130"
[ "$(cat "$O")" = previous ] || fail "SIGINT: the previous $O was changed"
grep -q -- "--resume" "$T/int.err" || fail "SIGINT: no hint to --resume"
resumed SIGINT
grep -q "resuming .*: 2 image(s) done, $((N - 2)) to go" "$T/res.err" \
    || fail "SIGINT: resume did not go on after the 2 done images"

# SIGKILL, then a torn tail: half a line, then an image with one of two rows.
echo previous >"$O"
interrupt KILL 3
[ "$rc" -eq 137 ] || fail "SIGKILL: exit $rc, expected 137"
[ "$(cat "$O")" = previous ] || fail "SIGKILL: the previous $O was changed"
printf 'ILSVRC2012_val_0000' >>"$O.partial"
resumed "SIGKILL + torn line"
grep -q "dropping the truncated last line" "$T/res.err" || fail "torn line not reported"
grep -q ": 3 image(s) done" "$T/res.err" || fail "torn line: whole images not kept"
interrupt KILL 3
head -n 6 "$O.partial" >"$T/p" && cp "$T/p" "$O.partial"
resumed "incomplete last image"
grep -q "dropping the incomplete last image" "$T/res.err" || fail "incomplete image not reported"
grep -q ": 2 image(s) done" "$T/res.err" || fail "incomplete image: whole images not kept"

# A partial that is already complete: resume only renames it (timings too).
cp "$T/ref.csv" "$O.partial"
resumed "complete partial"
cmp -s "$O" "$T/ref.csv" || fail "complete partial: not taken as it was"

# --resume without a partial starts from the beginning.
resumed "no partial"

# Without --resume an existing partial is overwritten, with a warning.
printf 'garbage\n' >"$O.partial"
"$AMSEL" "${P[@]}" -o "$O" >/dev/null 2>"$T/err" || fail "run over a stale partial failed"
grep -q "starting over" "$T/err" || fail "stale partial: no warning"
cut -d, -f1-9 "$O" | cmp -s - "$T/ref.cols" || fail "run over a stale partial differs"

# Partials that do not belong to this run: refused, partial and OUT untouched.
head -n 7 "$T/ref.csv" >"$T/good.partial"
refuse() { # PATTERN PARTIAL-FILE ARGS...
    local pat="$1" src="$T/src.partial"; cat "$2" >"$src"; shift 2
    echo previous >"$O"; cp "$src" "$O.partial"
    expect_fail nz "$pat" "$AMSEL" "$@" -o "$O" --resume
    cmp -s "$src" "$O.partial" || fail "refused partial was changed ($pat)"
    [ "$(cat "$O")" = previous ] || fail "refused resume changed $O ($pat)"
}
refuse "out.csv.partial:2: model 'mobilenet_v1_0.25_128_quant' where this run has 'mobilenet_v1_0.5_160_quant'" \
    "$T/good.partial" profile --models mobilenet_v1_0.5_160_quant,mobilenet_v1_0.25_128_quant \
    --dataset "$L" --limit "$N"
refuse "out.csv.partial:4: image .* is not among this run's remaining images" \
    "$T/good.partial" "${P[@]}" --shard 1/2
refuse "out.csv.partial:1: the header differs" <(sed '1s/infer_ms/infer/' "$T/good.partial") "${P[@]}"
refuse "out.csv.partial:3: image .* has 1 of 2 model rows" <(sed 3d "$T/good.partial") "${P[@]}"
refuse "out.csv.partial:2: image .* has class '1' but the dataset says" \
    <(sed '2s/^\([^,]*\),[0-9]*,/\1,1,/' "$T/good.partial") "${P[@]}"
refuse "out.csv.partial:2: .*12 fields" <(sed '2s/,[^,]*$//' "$T/good.partial") "${P[@]}"
rm -f "$O.partial"

# Batches of 4: blocked on image 4 (the second batch's first), the partial
# holds the first batch; resume completes the run.
P=(profile --models "$M" --dataset "$L" --limit "$N" --images "$IMG" --batch 4)
echo previous >"$O"
interrupt INT 4
resumed "batch"
grep -q "resuming .*: 4 image(s) done" "$T/res.err" || fail "batch: resume did not go on after 4"
rm -f "$O.partial"

# Two runs on one output: the second is refused while the first holds it.
f=$(sed -n 4p "$T/ref.csv" | cut -d, -f1)
rm "$IMG/$f" && mkfifo "$IMG/$f"
"$AMSEL" "${P[@]}" -o "$O" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 2000); do [ -s "$O.partial" ] || ! kill -0 "$pid" 2>/dev/null && break; sleep 0.01; done
expect_fail nz "another amsel profile is writing it" "$AMSEL" "${P[@]}" -o "$O" --resume
kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
finish
