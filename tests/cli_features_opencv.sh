# Cross-check of the features against OpenCV (Debian python3-opencv):
# Canny maps, FAST counts, blur, hue histograms, brightness, and resolution
# invariance (scripts/crosscheck_features.py, docs/features.md). Skipped
# without /usr/bin/python3 + cv2, and in the quick (sanitizer) run.
. "$(dirname "$0")/lib/cli.sh"
need_data
[ -z "${AMSEL_TEST_QUICK:-}" ] || { echo "quick run: skipping"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "no /usr/bin/python3: skipping"; exit 77; }
/usr/bin/python3 -c 'import cv2, numpy' 2>/dev/null || { echo "no cv2: skipping"; exit 77; }
rc=0
/usr/bin/python3 "$(dirname "$0")/../scripts/crosscheck_features.py" --amsel "$AMSEL" \
    --data "$DATA" --images "${AMSEL_CROSSCHECK_IMAGES:-60}" || rc=$?
exit $rc
