# Independent implementation: Arm NN's TFLite parser (CpuRef) on the same
# input bytes as `amsel run`. Arm NN rounds once in float where TFLite
# rounds twice in fixed point, so values may differ by 1 and near-ties may
# flip (docs/crosscheck.md); a real kernel bug moves far more than 1% of
# values. Slow (Arm NN ~25 s per image for all models): skipped in the
# sanitizer run.
. "$(dirname "$0")/lib/cli.sh"
need_data
[ -z "${AMSEL_TEST_QUICK:-}" ] || { echo "quick run: skipping"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "no /usr/bin/python3: skipping"; exit 77; }
rc=0
/usr/bin/python3 "$(dirname "$0")/../scripts/crosscheck_armnn.py" --amsel "$AMSEL" --data "$DATA" \
    --images "${AMSEL_CROSSCHECK_IMAGES:-10}" --min-top1 80 --min-within 99 || rc=$?
exit $rc
