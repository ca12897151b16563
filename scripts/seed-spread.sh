#!/bin/bash
# The cascades' cross-validated top-1 and speed-up over fold seeds 1..N,
# as mean [min..max]: one split can be lucky, the spread says how much.
#   scripts/seed-spread.sh PROFILE.csv [N] [amsel eval options...]
# e.g. scripts/seed-spread.sh out/profile.csv 6 --margin 0.5 --grid 50
# (no feature table: the cascades do not need one, and eval is ~13 s a seed)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 PROFILE.csv [SEEDS] [eval options]" >&2; exit 2; }
profile=$1
seeds=${2:-6}
shift $(($# >= 2 ? 2 : 1))
A=${AMSEL:-build/amsel}
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
for s in $(seq 1 "$seeds"); do
    echo "seed $s of $seeds" >&2
    # policy name (up to the first run of two spaces), top-1, speed-up
    "$A" eval --profile "$profile" --seed "$s" "$@" |
        awk -v s="$s" '/^cascade / { n = $0; sub(/  +[0-9].*/, "", n);
                        split(substr($0, length(n) + 1), f, " "); sub(/x$/, "", f[6]);
                        print n "\t" s "\t" f[1] "\t" f[6] }' >> "$rows"
done
printf "%-34s %-24s %s\n" "policy" "top-1 mean [min..max]" "speed-up"
awk -F'\t' '{ a[$1] += $3; x[$1] += $4; c[$1]++;
              if (!($1 in lo) || $3 < lo[$1]) lo[$1] = $3;
              if (!($1 in hi) || $3 > hi[$1]) hi[$1] = $3 }
    END { for (k in a) printf "%-34s %.2f [%.2f..%.2f]    %.2fx\n", k, a[k] / c[k], lo[k], hi[k], x[k] / c[k] }' \
    "$rows" | sort
