# amsel report: the HTML page of an evaluation document. The sample
# document (tests/data/eval_sample.json: 8 single models, the oracle, 7
# policies, a feature analysis of 5 features) renders with its 6 plots, one
# circle per point, escaped names and no URL; bad documents fail naming the
# file and leave no output.
. "$(dirname "$0")/lib/cli.sh"
S="$(dirname "$0")/data/eval_sample.json"
H="$T/report.html"

"$AMSEL" report --eval "$S" -o "$H" 2>"$T/err" || fail "report failed: $(cat "$T/err")"
[ -s "$H" ] || fail "no report"
ls "$T" | grep -q '\.tmp\.' && fail "temporary left behind"
count() { grep -o -- "$1" "$2" | wc -l; }
# scatter, usage, folds, heat map, importance, relevance
[ "$(count '<svg' "$H")" -eq 6 ] || fail "expected 6 plots, got $(count '<svg' "$H")"
# 16 policies, each model has a single-model policy: 16 points, 16 table rows
[ "$(count '<circle class="pt"' "$H")" -eq 16 ] || fail "scatter: $(count '<circle class="pt"' "$H") points, expected 16"
[ "$(count '<tr class=' "$H")" -eq 16 ] || fail "table rows"
[ "$(count '<circle class="fold"' "$H")" -eq 160 ] || fail "fold dots: $(count '<circle class="fold"' "$H"), expected 160"
[ "$(count '<rect class="cell"' "$H")" -eq 25 ] || fail "heat map cells"
[ "$(count '<rect class="bar"' "$H")" -eq 9 ] || fail "importance + relevance bars"
# usage: one segment per (policy, model) pair in the sample
[ "$(count '<rect class="seg"' "$H")" -eq 35 ] || fail "usage segments: $(count '<rect class="seg"' "$H")"
grep -q '<path class="front" d="M' "$H" || fail "no Pareto front"
grep -qE '://|<script|<link|<img|src=' "$H" && fail "the page refers to something outside it"
grep -q '</html>' "$H" || fail "page not complete"
# The Pareto front (computed, not read): the three cheapest single models,
# 'cascade <=3' and 'hybrid knn+cascade'; not the oracle nor alg1 (bounds).
grep -c '<tr class="[a-z ]*front">' "$H" | grep -qx 5 || fail "front rows: $(grep -c '<tr class="[a-z ]*front">' "$H")"
grep -q '<tr class="front"><td>hybrid knn+cascade<' "$H" || fail "hybrid not on the front"
grep -q '<tr class="front"><td>oracle<' "$H" && fail "oracle on the front"
grep -q '<tr class="ref front"><td>' "$H" && fail "reference should be dominated in the sample"
grep -q '<tr class="ref "><td>mobilenet_edgetpu' "$H" || fail "reference row not marked"

# A hostile name comes out escaped, everywhere.
sed 's/"cascade <=3"/"<script>alert(\\"x\\")<\/script> \&amp;"/' "$S" > "$T/hostile.json"
"$AMSEL" report --eval "$T/hostile.json" -o "$T/hostile.html" 2>"$T/err" || fail "hostile: $(cat "$T/err")"
grep -q '<script' "$T/hostile.html" && fail "unescaped <script>"
grep -q '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;amp;' "$T/hostile.html" || fail "name not escaped"

# The analysis section may also sit under "features" (then no features file).
sed -e '/"features": "/d' -e 's/"feature_analysis"/"features"/' "$S" > "$T/feat.json"
"$AMSEL" report --eval "$T/feat.json" -o "$T/feat.html" 2>"$T/err" || fail "features object: $(cat "$T/err")"
[ "$(count '<rect class="cell"' "$T/feat.html")" -eq 25 ] || fail "features object: no heat map"
# Optional sections missing: only the scatter remains.
printf '{"version":1,"policies":[{"name":"a","kind":"single","top1":70,"top5":90,"mean_ms":2,"models_run":1},
 {"name":"b","kind":"cascade","top1":72,"top5":91,"mean_ms":3,"models_run":1.5}]}\n' > "$T/min.json"
"$AMSEL" report --eval "$T/min.json" -o "$T/min.html" 2>"$T/err" || fail "minimal: $(cat "$T/err")"
[ "$(count '<svg' "$T/min.html")" -eq 1 ] || fail "minimal: expected only the scatter"
[ "$(count '<circle class="pt"' "$T/min.html")" -eq 2 ] || fail "minimal: points"

# Bad documents: non-zero exit, the file named, no output left.
bad() { # NAME PATTERN: $T/NAME.json must fail with PATTERN
    expect_fail 1 "$T/$1.json(:[0-9]+)?: $2" "$AMSEL" report --eval "$T/$1.json" -o "$T/$1.html"
    [ -e "$T/$1.html" ] && fail "$1: output left"
    ls "$T" | grep -q "$1.html.tmp" && fail "$1: temporary left"
}
head -c 5000 "$S" > "$T/cut.json";                                       bad cut "invalid JSON"
sed 's/"policies"/"policy"/' "$S" > "$T/nopol.json";                      bad nopol "policies: missing"
sed '0,/"top1": [0-9.]*/s//"top1": "NaN"/' "$S" > "$T/nanstr.json";       bad nanstr "policies\[0\]\.top1: expected a number"
sed '0,/"top1": [0-9.]*/s//"top1": NaN/' "$S" > "$T/nan.json";            bad nan "invalid JSON near 'NaN"
sed '0,/"mean_ms": [0-9.]*/s//"mean_ms": 1e999/' "$S" > "$T/inf.json";    bad inf "policies\[0\]\.mean_ms: not a finite number"
sed 's/"version": 1/"version": 2/' "$S" > "$T/v2.json";                   bad v2 "version: 2 is not supported"
sed 's/"kind": "oracle"/"kind": 7/' "$S" > "$T/kind.json";                bad kind "policies\[8\]\.kind: expected a string"
sed '0,/"top1": [0-9.]*/s//"top1": 101/' "$S" > "$T/range.json";          bad range "policies\[0\]\.top1: 101 outside \[0, 100\]"
sed 's/"kept": \[/"kept": ["nope", /' "$S" > "$T/kept.json";              bad kept "features.kept: 'nope' is not in features.names"
sed '0,/"folds": \[/s//"folds": [7, /' "$S" > "$T/fold.json";             bad fold "policies\[0\]\.folds\[0\]: expected an object"
echo '[1, 2]' > "$T/arr.json";                                            bad arr "expected a JSON object"
: > "$T/empty.json";                                                      bad empty "invalid JSON"
expect_fail 1 "$T/none.json: cannot open" "$AMSEL" report --eval "$T/none.json" -o "$T/none.html"
expect_fail 2 "--eval is required" "$AMSEL" report -o "$T/x.html"
expect_fail 2 "-o is required" "$AMSEL" report --eval "$S"
# Too large: refused before parsing.
head -c $((17 << 20)) /dev/zero | tr '\0' ' ' > "$T/big.json";            bad big "larger than 16 MiB"
finish
